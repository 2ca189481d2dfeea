from .static_files import register  # noqa: F401
