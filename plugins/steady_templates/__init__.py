from .steady_templates import register  # noqa: F401
