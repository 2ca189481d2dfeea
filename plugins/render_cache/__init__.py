from .render_cache import DEFAULTS, register  # noqa: F401
