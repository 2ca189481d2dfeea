"""The files a content's text links to (`{filename}`, `{static}`, `{attach}`), found once per
text for the life of the process (make serve asks on every rebuild: servicebook.kept_content)."""

import os
from html import unescape
from urllib.parse import unquote, urlparse

from servicebook.process_memo import ProcessMemo


def linked_paths(content):
    """The source paths (relative to the content folder, as the context's `generated_content`
    and `static_content` name them) that the text or summary links to with `{filename}` or
    `{static}`, in every spelling Pelican looks them up by; None when a link attaches a file
    (`{attach}`): Pelican moves that file while it renders the text, so the text is worked
    out again in every build."""
    texts = (content._content, getattr(content, "_summary", None))
    return _LINKED.get(_links_key(content, texts), lambda: _find_linked_paths(content, texts))


def _links_key(content, texts):
    """What the files that `texts` of `content` link to are worked out from: the link pattern,
    the content folder, the source (not its folder, `relative_dir`, which is worked out from it
    on every read) and the texts themselves (a kept read's text is the same string object from
    build to build, its hash computed once)."""
    settings = content.settings
    return (settings["INTRASITE_LINK_REGEX"], settings["PATH"], content.source_path, *texts)


def _find_linked_paths(content, texts):
    regex = content.settings["INTRASITE_LINK_REGEX"]
    if regex not in _LINK_PATTERNS:
        _LINK_PATTERNS[regex] = content._get_intrasite_link_regex()
    linked = set()
    for text in texts:
        for match in _LINK_PATTERNS[regex].finditer(text or ""):
            what = match.group("what")
            if what == "attach":
                return None
            if what not in ("filename", "static"):
                continue
            value = urlparse(match.group("value"))
            for path in {value.path, unquote(value.path), urlparse(unescape(value.geturl())).path}:
                linked.add(
                    path[1:]
                    if path.startswith("/")
                    else content.get_relative_source_path(os.path.join(content.relative_dir, path))
                )
    return linked


_LINK_PATTERNS = {}
_LINKED = ProcessMemo(20_000)
_STATIC_LINKS = ProcessMemo(20_000)


def kept_static_links(get_static_links):
    """Pelican's Content.get_static_links (the files a text links to with `{static}` or
    `{attach}`), found once per text: the generators ask for every content's on every build
    (a pass of the link pattern over 5,000 texts, 0.13 s of each rebuild at 5,000 posts)."""

    def static_links(content):
        key = _links_key(content, (content._content,))
        return set(_STATIC_LINKS.get(key, lambda: frozenset(get_static_links(content))))

    return static_links
