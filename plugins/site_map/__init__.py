from .site_map import DEFAULTS, register  # noqa: F401
