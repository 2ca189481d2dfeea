"""Work in worker processes: how many a build may run, and what they log."""

import contextlib
import logging
import os


def usable_cpus():
    """The CPUs this process may run on (a container or `taskset` can allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _RecordCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        # The message's format and arguments travel as they are (the build's problem
        # collector reads Pelican's messages by their format), when they can be pickled.
        plain = isinstance(record.msg, str) and all(isinstance(arg, (str, int, float)) for arg in record.args or ())
        message, args = (record.msg, tuple(record.args or ())) if plain else (record.getMessage(), ())
        self.records.append((record.name, record.levelno, message, args, getattr(record, "problem", None)))


@contextlib.contextmanager
def logged_records(also_logged=False):
    """In a worker: what is logged in the block goes to the list yielded, in a form that can be
    sent to the build's process (see `replay`), instead of this process's handlers; with
    `also_logged`, to them as well."""
    collector = _RecordCollector()
    root = logging.getLogger()
    saved, root.handlers = root.handlers, [*root.handlers, collector] if also_logged else [collector]
    try:
        yield collector.records
    finally:
        root.handlers = saved


def replay(records):
    """Log again, in the build's process, what a worker logged (see `logged_records`)."""
    for name, level, message, args, problem in records:
        logging.getLogger(name).log(level, message, *args, extra={"problem": problem} if problem else None)
