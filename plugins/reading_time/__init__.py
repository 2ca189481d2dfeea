from .reading_time import DEFAULTS, register  # noqa: F401
