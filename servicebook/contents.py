"""The articles and pages of a build, as plugins find them in Pelican's context."""

from pelican.contents import Content, Static


def contents_in(context):
    """Every article and page of the build (published, hidden and drafts, and their
    translations), each once by source and address, in a stable order. Worked out once for
    the same context holding the same contents: the images, the search index and make
    serve's quick pages each ask for it once every generator is done (0.06 s each at 5,000
    posts), and an address does not change after that (a quick edit that would move a page
    is no quick edit)."""
    global _last
    objects = content_objects(context)
    ids = tuple(map(id, objects))
    if _last is None or _last[0] is not context or _last[1] != ids:
        found = {(content.source_path or "", content.save_as or ""): content for content in objects}
        # The context is kept with its contents: their ids are theirs while it is.
        _last = context, ids, [found[key] for key in sorted(found)]
    return list(_last[2])


# The last (context, ids of its contents, contents_in) worked out.
_last = None


def content_objects(context):
    """Every article and page object of the build, each once, in no set order: what
    `contents_in` works out addresses for (for each object once, not once per list)."""
    objects = {}
    for value in context.values():
        if isinstance(value, (list, tuple)):
            for item in value:
                # Not static files: reading their address fixes it, and an {attach} link may still move them.
                if isinstance(item, Content) and not isinstance(item, Static):
                    for content in (item, *getattr(item, "translations", [])):
                        objects[id(content)] = content
    return objects.values()
