from .safe_titles import register  # noqa: F401
