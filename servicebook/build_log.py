"""Collecting a build's problems: every Problem our plugins report, and every warning or
error Pelican logs, turned into a Problem that names the file (and line, where it can be
found), including the fate of a source Pelican gave up on ("skipped: not published").
Pelican's repeats of problems our checks already report with file and line are left out.
"""

import contextlib
import logging
import os
import re
import sys
import threading
import traceback
from pathlib import Path

from servicebook.headers import header_line
from servicebook.problems import SKIPPED, Problem, shown_path, sort_problems


def _lines(path):
    try:
        return Path(path).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


def find_line(path, needle):
    """The number of the first line of file `path` that contains `needle` (any case), or 0."""
    return next((number for number, text in enumerate(_lines(path), start=1) if needle.lower() in text.lower()), 0)


class QuietThreads(logging.Filter):
    """Drops what threads in `quiet()` log: work whose problems a build will report anyway
    (make serve's quick page, while or before the whole build runs)."""

    def __init__(self):
        super().__init__()
        self.threads = set()

    def filter(self, record):
        return record.thread not in self.threads

    @contextlib.contextmanager
    def quiet(self):
        """Within the block, this thread's log records reach no build's report nor the terminal."""
        logging.lastResort.addFilter(self)
        self.threads.add(threading.get_ident())
        try:
            yield
        finally:
            self.threads.discard(threading.get_ident())


QUIET_THREADS = QuietThreads()


class ProblemCollector(logging.Handler):
    """Every Problem reported, and every warning or error logged, during one build.

    `content_root` is the build's content folder: sources are shown relative to its parent,
    as authors see them (content/posts/x.md)."""

    def __init__(self, content_root):
        super().__init__(level=logging.WARNING)
        self.addFilter(QUIET_THREADS)
        self.content_root = Path(os.path.abspath(content_root))
        self.problems = []
        self._echoes = []  # Pelican's file-less repeats of what our checks report with a file

    def emit(self, record):
        problem = getattr(record, "problem", None)
        if problem is None:
            # Pelican logs "Could not process" inside its `except`: the exception says why.
            problem = self._from_pelican(record, sys.exc_info()[1])
        if problem is not None:
            self.problems.append(problem)

    def shown(self, path):
        return shown_path(path, self.content_root)

    def _from_pelican(self, record, exception):
        message, args = record.msg, record.args if isinstance(record.args, tuple) else ()
        if message in _PELICAN_MESSAGES:
            return _PELICAN_MESSAGES[message](self, exception, *args)
        echo = next((subject for template, subject in _ECHOES.items() if str(message).startswith(template)), None)
        if echo is not None:
            # A file among the arguments is shown as the author knows it, not by its full path.
            shown = tuple(self.shown(arg) if isinstance(arg, str) and os.path.isabs(arg) else arg for arg in args)
            self._echoes.append((echo(*args), args, str(message) % shown if shown else str(message)))
            return None
        return Problem("", 0, "", record.getMessage(), "error" if record.levelno >= logging.ERROR else "warning")

    def finish(self, stopped=None):
        """All problems of the build, in report order; `stopped` is the exception that ended it.
        A message the site as a whole got that a problem with a file has too (Pelican's
        "Cannot import plugin", logged once for the settings and again as it builds) is left out."""
        with_file = {problem.message for problem in self.problems if problem.source}
        problems = [p for p in self.problems if p.source or _one_line(p.message) not in with_file]
        if stopped is not None:
            problems += getattr(stopped, "problems", None) or [self._from_exception(stopped)]
        problems += self._unmatched_echoes(problems)
        return sort_problems(problems)

    def _from_exception(self, error):
        """An error that stopped the build, at the template line it happened in if any
        (Jinja puts template lines in the traceback)."""
        in_templates = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if frame.filename.endswith((".html", ".xml", ".txt"))
        ]
        filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
        if in_templates and not filename:
            filename, line = in_templates[-1].filename, in_templates[-1].lineno
        where = self.shown(filename) if filename and os.path.isabs(filename) else (filename or "")
        message = getattr(error, "message", None) or str(error)
        return Problem(where, line or 0, "Template" if where else "", f"{type(error).__name__}: {message}", "error")

    def _unmatched_echoes(self, problems):
        """Pelican's repeats of what our checks report: dropped where one of our problems
        names their subject (our checks did not run when the build stopped early); else
        shown once, with the files they list or the files that mention their subject."""
        found = {}
        for subject, args, text in self._echoes:
            if any(
                subject in problem.message
                or repr(subject) in problem.message
                or subject.lower() == problem.field.lower()
                for problem in problems
            ):
                continue
            paths = [arg for arg in args if isinstance(arg, str) and os.path.isfile(arg)]
            paths = paths or _files_mentioning(self.content_root, subject)
            sources = " and ".join(self.shown(path) for path in paths)
            line = find_line(paths[0], subject) if len(paths) == 1 else 0
            found.setdefault((subject, sources), Problem(sources, line, "", text.split("\n", 1)[0].rstrip(": ")))
        return list(found.values())


def _files_mentioning(content_root, text):
    return [
        path
        for path in sorted(content_root.rglob("*.md"))
        if text in path.read_text(encoding="utf-8", errors="replace")
    ]


def _could_not_process(collector, exception, path):
    because = f"Pelican could not read it: {exception}" if exception else "Pelican could not read it"
    return Problem(collector.shown(path), 0, SKIPPED, f"not published ({because})")


def _missing_property(collector, exception, content, prop):
    return Problem(collector.shown(str(content)), 0, SKIPPED, f"not published (it has no {prop})")


def _outside_output(collector, exception, content, save_as):
    return Problem(
        collector.shown(str(content)), 0, SKIPPED, f"not published (its address {save_as!r} is outside the site)"
    )


def _unknown_status(collector, exception, status, content, allowed):
    return Problem(
        collector.shown(str(content)),
        header_line(str(content), "status"),
        SKIPPED,
        f"not published (Status: {status!r} is not one of {', '.join(allowed)})",
    )


def _filename_for_static(collector, exception, target, path):
    return Problem(
        collector.shown(path),
        find_line(path, target),
        "Link",
        f"{{filename}}{target} is an image or file; write {{static}}{target}",
    )


# Pelican's messages that repeat a problem our checks report with file and line (a missing
# link target, a name or title with no web address, two posts with one slug), by the start of
# their format string (the slug ones end with a list of files): what the message is about.
_ECHOES = {
    "Unable to find '%s', skipping url replacement.": lambda target: target,
    'Unable to generate valid slug for %s "%s".': lambda kind, name: name,
    "There are %s original (not translated) items %s": lambda count, with_slug, *paths: with_slug.split('"')[1],
    'There are %s items "%s" with lang %s': lambda count, with_slug, lang, *paths: with_slug.split('"')[1],
    "Duplicate definition of `%s` for %s. Using first one.": lambda name, path: name,
    # The images plugin names every image without alt text, at its line, in every build.
    "Empty alt attribute for image %s in %s": lambda image, path: image,
}
# Pelican's messages about one source, by their format string, as Problems naming the file
# (each function is given the collector, the exception being handled, and the message's arguments).
_PELICAN_MESSAGES = {
    "Could not process %s": _could_not_process,
    "Skipping %s: could not find information about '%s'": _missing_property,
    "Skipping %s: file %r would be written outside output path": _outside_output,
    "Unknown status '%s' for file %s, skipping it. (Not in %s)": _unknown_status,
    "{filename} used for linking to static content %s in %s. Use {static} instead": _filename_for_static,
}


def settings_problem(settings_file, error, content_root):
    """The Problem that `error`, raised while the settings file was read, is: at the line it
    came from in that file or another it imports from its folder (publishconf.py imports
    pelicanconf.py): a syntax error, a name it does not know; at the settings file when
    Pelican's check of the settings refused a value; None when it came from neither (a bug,
    whose traceback shows)."""
    frames = traceback.extract_tb(error.__traceback__)
    places = [(frame.filename, frame.lineno) for frame in frames]
    if isinstance(error, SyntaxError) and error.filename:
        places.append((error.filename, error.lineno))
    folder = os.path.dirname(os.path.abspath(settings_file))
    ours = [(path, line) for path, line in places if os.path.dirname(os.path.abspath(path)) == folder]
    if not ours and not (frames and Path(frames[-1].filename).match("pelican/settings.py")):
        return None
    path, line = ours[-1] if ours else (settings_file, 0)
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    where = shown_path(os.path.abspath(path), content_root)
    return Problem(where, line or 0, "Settings", f"{type(error).__name__}: {message}", "error")


@contextlib.contextmanager
def settings_messages():
    """[(severity, message)] of the warnings and errors logged while the block reads the
    settings (Pelican's check of them: a deprecated or misconfigured setting, a plugin it
    cannot import), for `settings_problems` once the content folder is known. Only this
    thread's: under make serve, other threads (the search index, a quick page) log meanwhile."""
    found = []
    reading = threading.get_ident()

    class Listed(logging.Handler):
        def emit(self, record):
            if record.thread == reading:
                found.append(("error" if record.levelno >= logging.ERROR else "warning", record.getMessage()))

    handler = Listed(level=logging.WARNING)
    logging.getLogger().addHandler(handler)
    try:
        yield found
    finally:
        logging.getLogger().removeHandler(handler)


def settings_problems(found, settings_file, content_root):
    """The problems of `settings_messages`, at the settings file: at the line that sets the
    setting a message names (SITEURL), or else names what it names in backquotes (a plugin)."""
    where = shown_path(os.path.abspath(settings_file), content_root)
    return [
        Problem(where, _settings_line(settings_file, message), "Settings", _one_line(message), severity)
        for severity, message in found
    ]


def _one_line(message):
    return "; ".join(message.splitlines())


def _settings_line(settings_file, message):
    lines = _lines(settings_file)
    for name in re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", message):
        setting = re.compile(rf"^{name}\s*\+?=")
        found = [number for number, text in enumerate(lines, start=1) if setting.match(text)]
        if found:
            return found[-1]  # the last one is the value the build has
    named = re.search(r"`([^`]+)`", message)
    return find_line(settings_file, named.group(1)) if named else 0
