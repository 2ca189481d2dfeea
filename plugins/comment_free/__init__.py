from .comment_free import DEFAULTS, register  # noqa: F401
