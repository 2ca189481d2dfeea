"""Memory of a measured process and of the Pagefinds under it, read from /proc (Linux)."""

import os
import threading


def peak_rss_mb(pid):
    """VmHWM (peak resident set) of a live process, in MB; 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid):
    """Every live process under `pid`, started by any of its threads (Pagefind's binary runs
    under its Python wrapper, from the search index's thread)."""
    children = []
    try:
        for thread in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{thread}/children", encoding="ascii") as listed:
                children += [int(child) for child in listed.read().split()]
    except OSError:
        pass
    return children + [grandchild for child in children for grandchild in descendants(child)]


def _is_pagefind(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as comm:
            return comm.read().strip() == "pagefind"
    except OSError:
        return False


def pagefinds_rss_mb(pid):
    """The peaks of the Pagefinds running under `pid` now, added up: a sharded search index
    has one per shard, side by side."""
    return sum(peak_rss_mb(child) for child in descendants(pid) if _is_pagefind(child))


class PeakWatch:
    """Watches `pid` (a thread, every `interval` s) until `stop()`: `rss_mb`, its peak, and
    `pagefind_mb`, the most its Pagefinds held together."""

    def __init__(self, pid, interval=0.2, alive=lambda: True):
        self.pid, self.interval, self.alive = pid, interval, alive
        self.rss_mb = self.pagefind_mb = 0.0
        self._stopped = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        while not self._stopped.is_set() and self.alive():
            self._look()
            self._stopped.wait(self.interval)

    def _look(self):
        self.rss_mb = max(self.rss_mb, peak_rss_mb(self.pid))
        self.pagefind_mb = max(self.pagefind_mb, pagefinds_rss_mb(self.pid))

    def stop(self):
        """Stop watching, after one last look."""
        self._stopped.set()
        self._look()
        return self
