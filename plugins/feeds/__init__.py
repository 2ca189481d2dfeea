from .feeds import DEFAULTS, register  # noqa: F401
