"""Fingerprinted theme assets in the public build: `theme/css/site.css` becomes
`theme/css/site.3f2a9c1e05.css`, and every reference to it in the site's pages, feeds and
stylesheets is rewritten. A CDN or browser can then keep an asset for a year (its name
changes when its bytes do) while pages stay fresh.

Only files under THEME_STATIC_DIR are renamed: Pagefind's files are loaded by its own script
under fixed names (its data chunks carry content hashes already), and images under
content/ are linked from authors' text. References are rewritten where they name the asset
by its site path (`/theme/css/site.css`, absolute or root-relative, as our templates write
them); a stylesheet's references are rewritten before its own fingerprint is taken.
"""

import re
from pathlib import Path

from servicebook.hashing import digest

TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".xml", ".xsl", ".json", ".txt", ".svg"})


def _rewrite(path, pattern, renamed):
    text = path.read_text(encoding="utf-8")
    rewritten = pattern.sub(lambda match: "/" + renamed[match[1]], text)
    if rewritten != text:
        path.write_text(rewritten, encoding="utf-8")


def _pattern(renamed):
    """Matches "/old/path" for every renamed asset (longest first), not inside a longer name."""
    names = sorted(renamed, key=len, reverse=True)
    return re.compile(r"/(" + "|".join(re.escape(name) for name in names) + r")(?![\w.-])")


def fingerprint(output, static_dir):
    """Rename every file under `output/static_dir` to carry its content's digest and rewrite
    the references to it in the text files of `output`; returns {old path: new path}."""
    output = Path(output)
    assets = [path for path in (output / static_dir).rglob("*") if path.is_file()]
    # Stylesheets last: they may refer to the other assets.
    assets.sort(key=lambda path: (path.suffix == ".css", str(path)))
    renamed = {}
    for path in assets:
        if path.suffix == ".css" and renamed:
            _rewrite(path, _pattern(renamed), renamed)
        new = path.with_name(f"{path.stem}.{digest(path.read_bytes())[:10]}{path.suffix}")
        path.rename(new)
        renamed[path.relative_to(output).as_posix()] = new.relative_to(output).as_posix()
    if renamed:
        pattern = _pattern(renamed)
        for path in output.rglob("*"):
            if path.suffix in TEXT_SUFFIXES and path.is_file() and not path.is_relative_to(output / static_dir):
                _rewrite(path, pattern, renamed)
    return renamed
