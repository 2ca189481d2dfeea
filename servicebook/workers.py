"""How many workers a build may run side by side."""

import os


def usable_cpus():
    """The CPUs this process may run on (a container or `taskset` can allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
