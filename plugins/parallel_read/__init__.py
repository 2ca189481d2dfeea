from .parallel_read import register  # noqa: F401
