from .aliases import DEFAULTS, register  # noqa: F401
