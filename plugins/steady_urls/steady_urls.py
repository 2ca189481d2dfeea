"""Each article's and page's address is worked out once per build, not on every use.

Pelican formats `url` and `save_as` from the settings and the metadata each time they are
read (a copy of the metadata, dates through strftime): about 85 µs a time, and a build of
5,000 posts reads them about 80,000 times while writing (templates, neighbours, feeds, the
sitemap, the search index, the render cache's keys), some 7 s in all. While pages are
written, nothing changes an address any more: every generator is finalized and the links
between contents are resolved (Pelican asks for the writer only then). From that point on,
each content keeps the addresses it gave the first time; the next build makes new contents.
"""

from pelican import signals
from pelican.contents import Content

from servicebook.contents import each_content

_unsteady_get_url_setting = Content.get_url_setting
# The last build's generators, until Pelican asks for its writer.
_finalized = []


def get_url_setting(content, key):
    steady = content.__dict__.get("_steady_urls")
    if steady is None:
        return _unsteady_get_url_setting(content, key)
    if key not in steady:
        steady[key] = _unsteady_get_url_setting(content, key)
    return steady[key]


def steady(contents):
    """From now on, `contents` keep the addresses they give first."""
    for content in contents:
        content.__dict__.setdefault("_steady_urls", {})


def keep_generators(generators):
    _finalized[:] = [generators]


def addresses_are_final(pelican):
    while _finalized:
        steady(each_content(_finalized.pop()[0].context))


def register():
    # Pelican's method, once: each content opts in through steady().
    Content.get_url_setting = get_url_setting
    signals.all_generators_finalized.connect(keep_generators)
    signals.get_writer.connect(addresses_are_final)
