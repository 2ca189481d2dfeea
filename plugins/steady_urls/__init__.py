from .steady_urls import register  # noqa: F401
