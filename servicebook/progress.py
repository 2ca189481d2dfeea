"""What a long build is doing: its phase and how far along it is ("writing pages
2,130/11,400").

On a terminal, one status line is redrawn in place (at most ten times a second) and cleared
when the build ends, so the report that follows stands alone. Elsewhere (CI logs, pipes, the
tests) each phase gets one line when it ends, with its count and time. Either way nothing is
shown for a build that ends within `quiet_seconds`: a quick rebuild prints only its report.

A build's phases come from Pelican's signals (see `follow_build`): reading the sources that
changed, preparing (the plugins' work between reading and writing: images, checks,
neighbours), writing pages, with the number of pages the last build wrote as the total.
"""

import sys
import time

REDRAW_SECONDS = 0.1
READING, PREPARING, WRITING = "reading sources", "preparing pages", "writing pages"


class Progress:
    def __init__(self, stream=None, interactive=None, quiet_seconds=2.0, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.quiet_seconds = quiet_seconds
        self.clock = clock
        self.started = clock()
        self.name = None
        self.count = 0
        self.total = None
        self.phase_started = self.started
        self._drawn = 0.0
        self._width = 0
        self._finished = []  # phases that ended before anything was shown
        self.counts = {}  # phase: its count, once it has ended

    def phase(self, name, total=None):
        """A new phase begins (the one before it ends)."""
        self._end_phase()
        self.name, self.count, self.total = name, 0, total
        self.phase_started = self.clock()
        self._draw(force=True)

    def step(self, count=1):
        self.count += count
        self._draw()

    def finish(self):
        """The build is over: end the last phase and clear the status line."""
        self._end_phase()
        self.name = None
        if self.interactive and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def _showing(self):
        return self.clock() - self.started >= self.quiet_seconds

    def status(self):
        """The phase and how far along it is, as shown."""
        if self.total:
            return f"{self.name} {min(self.count, self.total):,}/{self.total:,}"
        return f"{self.name} ({self.count:,})" if self.count else f"{self.name}…"

    def _draw(self, force=False):
        if not self.interactive or self.name is None or not self._showing():
            return
        now = self.clock()
        if not force and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        text = self.status()
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def _end_phase(self):
        if self.name is None:
            return
        self.counts[self.name] = self.count
        if self.interactive:
            return
        line = f"{self.name}: {self.count:,} in {self.clock() - self.phase_started:.1f} s"
        if not self._showing():
            self._finished.append(line)
            return
        for earlier in self._finished:
            self.stream.write(earlier + "\n")
        self._finished = []
        self.stream.write(line + "\n")
        self.stream.flush()


def follow_build(progress, pages_last_time=None):
    """Connect `progress` to Pelican's signals for one build; returns a function that
    disconnects it. `pages_last_time`: the total shown while writing (None: a count only)."""
    from pelican import signals

    def reading(generator):
        if progress.name != READING:
            progress.phase(READING)

    def read(*args, **kwargs):
        progress.step()

    def preparing(generators):
        progress.phase(PREPARING)

    def writing(pelican):
        progress.phase(WRITING, pages_last_time)

    def written(path, context=None):
        if progress.name == WRITING:
            progress.step()

    connections = [
        (signals.article_generator_init, reading),
        (signals.article_generator_context, read),
        (signals.page_generator_context, read),
        (signals.all_generators_finalized, preparing),
        (signals.get_writer, writing),
        (signals.content_written, written),
    ]
    for signal, receiver in connections:
        signal.connect(receiver)

    def stop():
        for signal, receiver in connections:
            signal.disconnect(receiver)
        progress.finish()

    return stop
