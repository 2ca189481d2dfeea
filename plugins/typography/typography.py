"""Typogrify (curly quotes, dashes, ellipses, widow control) inside the markdown reader.

Pelican typogrifies after its reader cache, so every rebuild re-typogrifies every article
(about a sixth of a build). Done in the reader, the result is what the content cache keeps:
a rebuild typogrifies only the files that changed. The site keeps Pelican's own settings
(TYPOGRIFY, TYPOGRIFY_IGNORE_TAGS, TYPOGRIFY_DASHES, TYPOGRIFY_OMIT_FILTERS); this plugin
takes the work over from Pelican when TYPOGRIFY is on.
"""

import functools
import re

from pelican import signals

from servicebook.reading import extend_markdown_reader

from .widont import widont

# Pelican's smartypants set-ups for TYPOGRIFY_DASHES (see pelican.readers.Readers.read_file).
_DASHES = {"oldschool": "set2", "oldschool_inverted": "set3"}
# What each smartypants step needs in a text to change it. smartypants runs every step on every
# text between two tags (about fifteen regular expressions for quotes alone); most texts hold no
# quote, dash or dot to change. Skipping a step that cannot match leaves the output as it was
# and takes a third off typogrify, the costliest part of reading a post after markdown.
_STEP_NEEDS = {
    "process_escapes": ("\\",),
    "convert_quotes": ("'", '"'),
    "convert_dashes": ("--",),
    "convert_dashes_oldschool": ("--",),
    "convert_dashes_oldschool_inverted": ("--",),
    "convert_ellipses": ("...", ". . ."),
    "convert_backticks": ("``", "''"),
    "convert_single_backticks": ("`", "'"),
}


# The same for two of typogrify's own filters, which split the text into tags and the rest
# and try a pattern on each piece (a tenth of reading a post, most of it for nothing):
# - amp wraps "&" between spaces. Its pattern has no anchors, so a match in a piece of the
#   text is one in the whole.
# - caps wraps runs of capitals. Each holds two capitals with at most digits between them, or
#   capitals, a dot and more capitals ("U.S.").
FILTER_NEEDS = {
    "amp": re.compile(r"(\s|&nbsp;)(&|&amp;|&\#38;)(\s|&nbsp;)"),
    "caps": re.compile(r"[A-Z]\d*[A-Z]|[A-Z]\.\s?[A-Z]"),
}


def skip_unless(step, needs):
    """`step` (text, ...) -> text, called only when the text holds one of `needs` (strings)
    or a match of `needs` (a pattern)."""
    found = needs.search if isinstance(needs, re.Pattern) else lambda text: any(need in text for need in needs)

    @functools.wraps(step)
    def skipping(text, *args):
        return step(text, *args) if found(text) else text

    return skipping


def skip_needless_steps(module, needs=_STEP_NEEDS):
    """Put `skip_unless` around the steps of `module` (smartypants by default) named in
    `needs`, once per process."""
    for name, needed in needs.items():
        step = getattr(module, name)
        if not hasattr(step, "__wrapped__"):
            setattr(module, name, skip_unless(step, needed))


def typogrifier(settings):
    """A text -> text function that typogrifies exactly as Pelican would."""
    import smartypants
    from typogrify import filters

    skip_needless_steps(smartypants)
    skip_needless_steps(filters, FILTER_NEEDS)
    filters.widont = widont
    smartypants.Attr.default = getattr(smartypants.Attr, _DASHES.get(settings["TYPOGRIFY_DASHES"], "set1"))
    # Also curl &quot; entities, as Pelican does.
    smartypants.Attr.default |= smartypants.Attr.w
    omitted = dict.fromkeys(settings["TYPOGRIFY_OMIT_FILTERS"], False)
    return lambda text: filters.typogrify(text, settings["TYPOGRIFY_IGNORE_TAGS"], **omitted)


class Typography:
    """Mixin for the markdown reader (see servicebook.reading)."""

    def read(self, source_path):
        content, metadata = super().read(source_path)
        refine = typogrifier(self.settings)
        for key in ("title", "summary"):
            if key in metadata:
                metadata[key] = refine(metadata[key])
        return (refine(content) if content else content), metadata


def take_over(pelican):
    """initialized: move typogrify from Pelican's read step into our reader."""
    if pelican.settings.get("TYPOGRIFY"):
        pelican.settings["TYPOGRIFY"] = False
        pelican.settings["TYPOGRIFY_IN_READER"] = True


def use_typographic_reader(readers):
    if readers.settings.get("TYPOGRIFY_IN_READER"):  # set by take_over, never by a site
        extend_markdown_reader(readers, Typography)


def register():
    signals.initialized.connect(take_over)
    signals.readers_init.connect(use_typographic_reader)
