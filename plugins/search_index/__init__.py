from .search_index import DEFAULTS, register  # noqa: F401
