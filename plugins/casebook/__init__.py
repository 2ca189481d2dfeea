from .casebook import DEFAULTS, register  # noqa: F401
