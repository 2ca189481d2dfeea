"""One Markdown converter per thread, reset between files, instead of a new one per file.

Pelican's markdown reader makes a new `markdown.Markdown` for every file it reads, which
loads and sets up every extension again (`extra` alone is ten): 0.16–0.36 ms a file, about
1–2 s of processor time for a build of 5,000 posts. Python-Markdown's own way to convert
many documents with one converter is `reset()` between them, which clears the state of the
converter and of every extension that keeps any (footnotes, abbreviations, the table of
contents, the header's `Meta`). Here Pelican's reader gets, for the same MARKDOWN settings,
the converter it had before, reset. One per thread: `make serve` reads a saved post for its
quick page while a build may be reading on another thread.

Pelican's reader takes the header's preprocessor off its converter before it converts the
formatted header fields (`Summary:`): a converter handed out again gets it back first, where
it was.
"""

import threading

import markdown
from pelican import readers

_converters = threading.local()


def reused_markdown(**settings):
    """A Markdown converter for `settings`, reset: this thread's, made on the first call."""
    kept = _converters.__dict__.setdefault("by_settings", {})
    key = repr(settings)
    if key not in kept:
        converter = markdown.Markdown(**settings)
        kept[key] = converter, _preprocessors(converter)
        return converter
    converter, preprocessors = kept[key]
    for name, (preprocessor, priority) in preprocessors.items():
        if name not in converter.preprocessors:
            converter.preprocessors.register(preprocessor, name, priority)
    return converter.reset()


def _preprocessors(converter):
    """{name: (preprocessor, priority)} of a new converter, to give back any taken off it."""
    priorities = {item.name: item.priority for item in converter.preprocessors._priority}
    return {name: (converter.preprocessors[name], priorities[name]) for name in priorities}


def register():
    readers.Markdown = reused_markdown
