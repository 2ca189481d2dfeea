from .comment_free import register  # noqa: F401
