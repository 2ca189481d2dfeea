"""The articles and pages of a build, as plugins find them in Pelican's context."""

from pelican.contents import Content, Static


def contents_in(context):
    """Every article and page of the build (published, hidden and drafts, and their
    translations), each once by source and address, in a stable order."""
    found = {(content.source_path or "", content.save_as or ""): content for content in content_objects(context)}
    return [found[key] for key in sorted(found)]


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
