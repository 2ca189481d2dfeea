from .quick_related import register  # noqa: F401
