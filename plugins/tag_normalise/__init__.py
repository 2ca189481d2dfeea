from .tag_normalise import register  # noqa: F401
