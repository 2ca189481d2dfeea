from .parallel_write import DEFAULTS, register  # noqa: F401
