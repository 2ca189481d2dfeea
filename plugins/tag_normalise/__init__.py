from .tag_normalise import DEFAULTS, register  # noqa: F401
