from .typography import register  # noqa: F401
