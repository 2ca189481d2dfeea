from .images import DEFAULTS, register  # noqa: F401
