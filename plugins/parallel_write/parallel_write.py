"""Render the pages on every core, not one.

Once the site is read, most of a build is Pelican's writer rendering thousands of pages with
Jinja, one after another (and, under the render cache, working out each page's key). Here each
generator's pages are planned first: the writer keeps what it is asked to write, template and
context, and does Pelican's checks as it is asked (servicebook.writing.AtomicWriter.planning).
Then worker processes, one per core, forked from this one so that they hold the whole site,
render them, and this process writes each page in Pelican's order and announces it with
`content_written`, as Pelican does (the sitemap, the search index and the progress line see
every page as before). The articles' pages, which Pelican plans first, go to workers in parts
as they are planned, and each part is written as soon as it is rendered: they render while
this process plans the lists and feeds (seconds at 5,000 posts that one core used to spend
alone), and the search index has them before the lists are written.

What stays as it is in one process:
- each page's bytes: the same template renders the same context;
- every file is written by this process, in order: a page a quick page wrote since the build
  began is left alone, and a page written twice is refused, as Pelican refuses it;
- what a worker logs is logged again here, with its page;
- a page whose rendering fails in a worker is rendered again here, so the error, and the
  template line its traceback names, are this process's own;
- resolving an `{attach}` link moves the file it names (Pelican's Static.attach_to), which the
  static files' copy must see: contents with one are resolved here first.

Settings: PARALLEL_WRITE (default True); PARALLEL_WRITE_MIN_PAGES (default 64): fewer pages
than that (or left once the articles' pages went to workers) are rendered in this process,
where starting workers would cost more than it saves.
"""

import collections
import contextlib
import functools
import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from pelican import signals

from servicebook.contents import contents_in
from servicebook.plugin_settings import declare
from servicebook.workers import logged_records, replay, usable_cpus
from servicebook.writing import QUICK_WRITES, AtomicWriter

DEFAULTS = {
    "PARALLEL_WRITE": True,
    # With fewer pages to render, starting workers costs more than it saves.
    "PARALLEL_WRITE_MIN_PAGES": 64,
}
# The pages being rendered, for the forked workers (set just before they start).
_worker_plan = None


def produce_in_worker(start, stop):
    """In a worker: for each planned page from `start` to `stop`, what `produce()` returned and
    what was logged meanwhile; None from a page that failed on (this process renders those)."""
    produced = []
    for page in _worker_plan[start:stop]:
        with logged_records() as records:
            try:
                result = page.produce()
            except Exception:  # noqa: BLE001 - rendered again in the build's process, which reports it
                break
        produced.append((result, records))
    return produced + [None] * (stop - start - len(produced))


def chunks(count, workers):
    """(start, stop) of the parts of a plan of `count` pages: several per worker, so that
    one slow part does not keep the others waiting; neighbouring pages (which list the same
    articles) stay together."""
    size = max(1, min(200, count // (workers * 8)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


class Rendering:
    """The worker processes rendering one generator's planned pages. Until `early` pages are
    planned (the generator's articles, which Pelican plans first), every `batch` of them goes
    to workers forked then, which render it while this process plans the next (the
    articles' pages alone take seconds to plan at 5,000 posts) and then the lists and feeds
    (Pelican's loops: seconds more, with the other cores idle before); the rest go to workers
    forked once every page is planned. Pages rendered by then are written meanwhile, in order
    (`write`: the writer's write_planned)."""

    # Parts of the early pages handed over one by one: a pool forked per part.
    EARLY_PARTS = 4

    def __init__(self, workers, early, least, write):
        self.workers, self.early = workers, early
        self.batch = max(least, -(-early // self.EARLY_PARTS))
        self.write = write
        self.pools = []
        self.parts = collections.deque()  # (a worker's future, how many pages it renders, its pool)
        self.handed = 0  # the pages of the plan handed to workers
        self.written = 0  # the pages of the plan written

    def before_page(self, plan):
        waiting = len(plan) - self.handed  # planned, not handed over yet
        to_come = self.early - len(plan)  # early pages not planned yet
        # A part, unless fewer than a part's pages would be left (they join the last one).
        if self.handed < self.early and (to_come <= 0 or min(waiting, to_come) >= self.batch):
            self.hand_over(plan)
        # Pages the workers have rendered are written while the rest are planned: the search
        # index gets the articles' pages seconds sooner, and Pagefind indexes them meanwhile.
        while self.parts and self.parts[0][0].done():
            size = self.parts[0][1]
            self.write(plan[self.written : self.written + size], self._next_part())
            self.written += size

    def hand_over(self, plan):
        """Fork workers (they hold `plan` as it is now) to render the pages not handed yet."""
        global _worker_plan
        if self.handed == len(plan):
            return
        if not self.pools:
            resolve_attachments(plan)
        _worker_plan = plan
        workers = min(self.workers, len(plan) - self.handed)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        self.pools.append(pool)
        # The workers are forked at the first submit.
        with QUICK_WRITES.held():
            for start, stop in chunks(len(plan) - self.handed, workers):
                future = pool.submit(produce_in_worker, self.handed + start, self.handed + stop)
                self.parts.append((future, stop - start, pool))
        self.handed = len(plan)

    def produced(self):
        """What each page handed over and not written yet produced in the workers, in order;
        a page's logs are logged here as its result is taken."""
        while self.parts:
            yield from self._next_part()

    def _next_part(self):
        # Each part's pages are let go once written: a whole site's text is hundreds of MB.
        future, size, pool = self.parts.popleft()
        try:
            outcomes = future.result()
        except Exception:  # noqa: BLE001 - a worker that died: its pages are rendered here
            outcomes = [None] * size
        if not self.parts or self.parts[0][2] is not pool:
            pool.shutdown()  # its pages are all in: its workers end
        for outcome in outcomes:
            if outcome is None:
                yield None
                continue
            result, records = outcome
            replay(records)
            yield result

    def close(self):
        global _worker_plan
        for pool in self.pools:
            pool.shutdown(cancel_futures=True)
        _worker_plan = None


def resolve_attachments(plan):
    """Resolve here the links of every content whose text has an {attach} link: each moves
    the file it names, and the static files are copied by this process."""
    for content in contents_in(plan[0].context):
        if "attach" in (content._content or ""):
            content.content  # noqa: B018 - resolving the links is the point


def write_on_every_core(generate_output, settings, writer):
    """A generator's generate_output: its pages planned, rendered by the workers, written here."""
    if not isinstance(writer, AtomicWriter):
        return generate_output(writer)
    least = settings["PARALLEL_WRITE_MIN_PAGES"]
    articles = len(getattr(generate_output.__self__, "articles", ()))
    rendering = Rendering(usable_cpus(), max(least, articles), least, writer.write_planned)
    try:
        with writer.planning(rendering.before_page) as plan:
            generate_output(writer)
        if len(plan) - rendering.handed >= least:
            rendering.hand_over(plan)
        # Fewer pages than `least` not handed over: rendered here (a None to write_planned).
        left_here = itertools.repeat(None, len(plan) - rendering.handed)
        with contextlib.closing(rendering.produced()) as produced:
            writer.write_planned(plan[rendering.written :], itertools.chain(produced, left_here))
    finally:
        rendering.close()
    return None


def plan_outputs(generators):
    """all_generators_finalized: every generator's pages go through the workers."""
    settings = generators[0].settings
    if not settings["PARALLEL_WRITE"] or usable_cpus() < 2:
        return
    for generator in generators:
        if hasattr(generator, "generate_output"):
            generator.generate_output = functools.partial(write_on_every_core, generator.generate_output, settings)


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.all_generators_finalized.connect(plan_outputs)
