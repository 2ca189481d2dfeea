"""Titles are text: `<`, `>` and `&` an author types in `Title:` are shown, never run.

Pelican treats a markdown title as HTML (typogrify adds entities and spans to it), and the
theme therefore prints it unescaped. We escape the raw title as it is read, before
typogrify runs, so `Title: <img src=x onerror=alert(1)>` is displayed literally. A
`Summary:` is markdown (emphasis and links work) but its raw HTML is shown as text too: list
pages print the summary as HTML. Everything else in the templates is escaped by Jinja's
autoescape (see JINJA_ENVIRONMENT).
"""

import html

from pelican import signals

from servicebook.reading import extend_markdown_reader


def escape_title(metadata):
    """`metadata` with its title (if any) HTML-escaped."""
    if "title" in metadata:
        title = metadata["title"]
        # A title given twice arrives as a list; content_checks reports it, the first is used.
        metadata["title"] = html.escape(title[0] if isinstance(title, list) else title, quote=False)
    return metadata


def escape_raw_html(markdown_text):
    """Markdown whose raw HTML tags come out as text: `<` becomes `&lt;`."""
    return markdown_text.replace("<", "&lt;")


class EscapedTitles:
    """Mixin for the markdown reader (see servicebook.reading)."""

    def read(self, source_path):
        content, metadata = super().read(source_path)
        return content, escape_title(metadata)

    def _parse_metadata(self, meta):
        formatted = {name.lower() for name in self.settings["FORMATTED_FIELDS"]}
        return super()._parse_metadata(
            {
                name: [escape_raw_html(value) for value in values] if name.lower() in formatted else values
                for name, values in meta.items()
            }
        )


def use_escaping_reader(readers):
    extend_markdown_reader(readers, EscapedTitles)


def register():
    signals.readers_init.connect(use_escaping_reader)
