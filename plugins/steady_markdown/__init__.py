from .steady_markdown import register  # noqa: F401
