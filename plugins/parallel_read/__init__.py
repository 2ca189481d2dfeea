from .parallel_read import DEFAULTS, register  # noqa: F401
