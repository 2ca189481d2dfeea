"""How our plugins change what Pelican's markdown reader returns, without knowing of each other.

A plugin adds a mixin (a class whose `read` calls `super().read` and changes the result) with
`extend_markdown_reader` from its `readers_init` handler. Each call puts the mixin in front of
the reader class in place, so plugins compose in the order PLUGINS lists them: the last
one listed sees the result of the others (safe_titles escapes a title before typography
curls its quotes).
"""

from pelican.readers import MarkdownReader


def extend_markdown_reader(readers, mixin):
    """readers_init: read markdown with `mixin` in front of the reader now in place."""
    for extension in MarkdownReader.file_extensions:
        current = readers.reader_classes.get(extension) or MarkdownReader
        readers.reader_classes[extension] = type(f"{mixin.__name__}{current.__name__}", (mixin, current), {})
