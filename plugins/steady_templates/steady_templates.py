"""Each template is compiled once per process, and again only when its source changes.

Pelican makes a new Jinja environment for every generator of every build, and Jinja compiles
a template the first time an environment loads it: a rebuild under `make serve` compiled
every template of the theme again (about 0.07 s of each rebuild at 5,000 posts). Jinja's own
remedy is a bytecode cache; here one kept in memory for the process is given to every
generator's environment. Jinja finds a template's compiled code by the template's name and
file and uses it only while the source has the checksum it was compiled from. What the
compiled code also depends on, the environment's syntax and compiler options, is part of the
cache's key here (with the names of its filters and tests, which compiling checks), so an
environment set up otherwise (another JINJA_ENVIRONMENT, JINJA_FILTERS) compiles its own.
"""

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from pelican import signals

# The environment's options that change what a template compiles to.
_COMPILE_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
)


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates in memory, by environment options, template and source checksum."""

    def __init__(self):
        self.compiled = {}

    def get_bucket(self, environment, name, filename, source):
        # Jinja's key is the template's name and file; the environment's options are added.
        key = f"{self.get_cache_key(name, filename)}:{compile_options(environment)}"
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket):
        found = self.compiled.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = (bucket.checksum, bucket.code)


def compile_options(environment):
    """What, besides the source, a template compiles to in `environment`: its syntax and
    compiler options, its extensions, how it escapes, and the names of its filters and tests
    (compiling a template checks that those it uses exist)."""
    autoescape = environment.autoescape
    escaping = autoescape if isinstance(autoescape, bool) else getattr(autoescape, "__qualname__", repr(autoescape))
    options = tuple(getattr(environment, name) for name in _COMPILE_OPTIONS)
    names = sorted(environment.extensions), sorted(environment.filters), sorted(environment.tests)
    return repr((options, escaping, names))


PROCESS_CACHE = ProcessBytecodeCache()


def use_the_process_cache(generator):
    """generator_init: the generator's environment keeps what it compiles for the process, and
    loads each template once: Jinja would look at its file again each time a page names it
    (2,000 times a rebuild at 5,000 posts), yet every build makes environments of its own."""
    environment = getattr(generator, "env", None)
    if environment is not None and environment.bytecode_cache is None:
        environment.bytecode_cache = PROCESS_CACHE
        environment.auto_reload = False


def register():
    signals.generator_init.connect(use_the_process_cache)
