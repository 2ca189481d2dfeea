"""The articles and pages of a build, as plugins find them in Pelican's context."""

from pelican.contents import Content


def each_content(context):
    """Every article and page object in the context (published, hidden and drafts, and their
    translations), each once, in the order first met."""
    found = {}
    for value in context.values():
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Content):
                    for content in (item, *getattr(item, "translations", [])):
                        found[id(content)] = content
    return list(found.values())


def contents_in(context):
    """Every article and page of the build, each once by source and address, in a stable
    order."""
    found = {(content.source_path or "", content.save_as or ""): content for content in each_content(context)}
    return [found[key] for key in sorted(found)]
