"""Titles are text: `<`, `>` and `&` an author types in `Title:` are shown, never run.

Pelican treats a markdown title as HTML (typogrify adds entities and spans to it), and the
theme therefore prints it unescaped. We escape the raw title as it is read, before
typogrify runs, so `Title: <img src=x onerror=alert(1)>` is displayed literally. Everything
else in the templates is escaped by Jinja's autoescape (see JINJA_ENVIRONMENT).
"""

import html

from pelican import signals
from pelican.readers import MarkdownReader


def escape_title(metadata):
    """`metadata` with its title (if any) HTML-escaped."""
    if "title" in metadata:
        title = metadata["title"]
        # A title given twice arrives as a list; content_checks reports it, the first is used.
        metadata["title"] = html.escape(title[0] if isinstance(title, list) else title, quote=False)
    return metadata


class EscapedTitleMarkdownReader(MarkdownReader):
    def read(self, source_path):
        content, metadata = super().read(source_path)
        return content, escape_title(metadata)


def use_escaping_reader(readers):
    for extension in EscapedTitleMarkdownReader.file_extensions:
        readers.reader_classes[extension] = EscapedTitleMarkdownReader


def register():
    signals.readers_init.connect(use_escaping_reader)
