from .casebook import register  # noqa: F401
