"""Import plain-text dumps of old blog posts as Pelican Markdown posts.

report = import_posts(Path("dumps/"), Path("content/imported"), dry_run=True)
print(report.as_text()); json.dump(report.as_dict(), fh); sys.exit(0 if report.ok else 1)
"""

from .report import EmailNote, FileReport, ImportReport, Message, Post, SourceLine
from .run import import_posts
from .settings import DEFAULT_TAG_VOCABULARY, ImportSettings

__all__ = [
    "DEFAULT_TAG_VOCABULARY",
    "EmailNote",
    "FileReport",
    "ImportReport",
    "ImportSettings",
    "Message",
    "Post",
    "SourceLine",
    "import_posts",
]
