from .steady_dates import register  # noqa: F401
