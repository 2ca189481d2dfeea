from .whole_files import register  # noqa: F401
