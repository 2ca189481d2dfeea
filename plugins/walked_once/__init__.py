from .walked_once import register  # noqa: F401
