"""What an author waits for comes first: processes working in the background are stopped
while a build or a quick page runs (servicebook.site), and go on after.

Under `make serve` each build's search index is made in the background by Pagefind, below the
server's priority, and at 5,000 posts it takes longer than an author takes to save again.
The lower priority alone did not keep it from slowing the next rebuild: 6.5–9.4 s at 5,000
posts with the search index on, 5.1–7.2 s with it off. The time they spend stopped does not
count toward their timeouts (`clock`); while someone waits for one (`waited_for`), they run.
When the server ends or restarts they are let go (`let_go`); should it be killed while one is
stopped, that one dies with it (servicebook.pagefind starts them under `setpriv --pdeathsig`).
"""

import contextlib
import signal
import threading
import time


class BackgroundServices:
    """Processes working in the background (`make serve`'s search index: Pagefind, below this
    process's priority), each added as an object with a `signal(number)` method: `paused()`
    stops them (SIGSTOP) while its block runs, and lets them go on after (SIGCONT)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._services = set()
        self._holds = self._waiters = 0
        self._stopped_since = None
        self._stopped_for = 0.0
        # How many times they were stopped: a look at their files before and after one
        # compares files written by a running process with files of a stopped one.
        self.pauses = 0

    def add(self, service):
        with self._lock:
            self._services.add(service)
            if self._stopped_since is not None:
                service.signal(signal.SIGSTOP)

    def discard(self, service):
        """`service` is no longer held back (it is stopping, or done)."""
        with self._lock:
            self._services.discard(service)
            service.signal(signal.SIGCONT)

    def let_go(self):
        """Let every service go on, for good: nothing of this process will continue them
        (it is ending, or replacing itself)."""
        with self._lock:
            for service in self._services:
                service.signal(signal.SIGCONT)
            self._services.clear()

    def holds(self, service):
        """Whether `service` is stopped now."""
        with self._lock:
            return self._stopped_since is not None and service in self._services

    @contextlib.contextmanager
    def paused(self):
        """Stop every background service while the block runs (blocks may overlap: a quick
        page while a rebuild runs)."""
        with self._changing("_holds"):
            yield

    @contextlib.contextmanager
    def waited_for(self):
        """Let them run while the block waits for one (a build that writes its own index
        waits for the one being written in the background: both write the same folder)."""
        with self._changing("_waiters"):
            yield

    @contextlib.contextmanager
    def _changing(self, count):
        with self._lock:
            setattr(self, count, getattr(self, count) + 1)
            self._settle()
        try:
            yield
        finally:
            with self._lock:
                setattr(self, count, getattr(self, count) - 1)
                self._settle()

    def _settle(self):
        """Stop or continue the services as the holds and the waiters now say (lock held)."""
        stop = self._holds > 0 and self._waiters == 0
        if stop == (self._stopped_since is not None):
            return
        if stop:
            self.pauses += 1
            self._stopped_since = time.monotonic()
        else:
            self._stopped_for += time.monotonic() - self._stopped_since
            self._stopped_since = None
        for service in self._services:
            service.signal(signal.SIGSTOP if stop else signal.SIGCONT)

    def clock(self):
        """Monotonic seconds, less the time the services were stopped: what their timeouts
        are measured in."""
        with self._lock:
            stopped = self._stopped_for
            if self._stopped_since is not None:
                stopped += time.monotonic() - self._stopped_since
            return time.monotonic() - stopped


BACKGROUND = BackgroundServices()
