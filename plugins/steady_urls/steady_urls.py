"""Each article's and page's address is formatted once, and again only when what it is made
of changes.

Pelican formats `url` and `save_as` from the settings and the metadata every time they are
read (a copy of the metadata, the source's relative path, dates through strftime): about
85 µs a time, and a build of 5,000 posts reads them some 80,000 times (content checks,
templates, neighbours, feeds, the sitemap, the search index, the render cache's keys), about
7 s in all. Here each content keeps every address it formatted beside what it was made from:
the pattern (which depends on the status and the language) and the value of each field the
pattern names. When one of them changes, the address is formatted again. A pattern that
names a field other than those Pelican sets itself (slug, lang, date, author, category),
such as `{path}` or a metadata field, is formatted on every read, as by Pelican.

The addresses are also kept for the whole process, by what they are made of: a rebuild makes
every content anew, and `make serve` formatted all 10,000 addresses of 5,000 posts again on
each (about 0.7 s); now only those of new or changed contents. So are the slugs of tags,
categories and authors, by name and slug settings: each build makes some 20,000 of them anew;
and, by the folders they are worked out from, each source's path relative to the content
folder and whether an address is inside the output folder (Pelican works both out for every
content of every build: 0.07 s of each rebuild at 5,000 posts). An address outside the output
is looked at again on every build, so that Pelican reports it each time.

Once its generator is done (article_generator_finalized, page_generator_finalized) an
article's or page's address no longer changes (the header fields it is made of are all read
and given; a quick edit that would move a page is no quick edit, servicebook.quick_page), yet
the plugins and the writer read the 10,000 addresses of 5,000 posts some 80,000 times more:
each content then keeps its `url` and `save_as` as first read for the rest of its build (in
py-spy, reading addresses went from a tenth of a rebuild to 6%). A static file's address is
left alone: an `{attach}` link moves it while pages render.
"""

import datetime
import functools
import operator
import os
import string

from pelican import signals, urlwrappers
from pelican.contents import Content

from servicebook.contents import content_objects
from servicebook.process_memo import ProcessMemo, time_locale

_formatted = Content._expand_settings
_url_setting = Content.get_url_setting
_inside_output = Content._has_valid_save_as
_relative_source_path = Content.get_relative_source_path
_slugify = urlwrappers.slugify
# The fields Pelican itself gives URL patterns (Content.url_format), read from the content.
OWN_FIELDS = {
    "slug": lambda content: getattr(content, "slug", ""),
    "lang": lambda content: getattr(content, "lang", "en"),
    "date": lambda content: getattr(content, "date", None),
    "author": lambda content: content.author.slug if hasattr(content, "author") else "",
    "category": lambda content: content.category.slug if hasattr(content, "category") else "",
}


@functools.lru_cache(maxsize=256)
def pattern_fields(pattern):
    """The field names a format pattern uses, in order: "{date:%Y}/{slug}/" -> ("date", "slug")."""
    names = (field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None)
    return tuple(dict.fromkeys(name.split(".")[0].split("[")[0] for name in names))


# (setting, what the address is made of, the time locale) -> address, for the whole process.
_SHARED = ProcessMemo(200_000)


def _identity(value):
    """A field value as a key: a date by its repr, since dates equal as instants may differ in
    time zone, and so in what `{date:%H}` prints."""
    return repr(value) if isinstance(value, datetime.datetime) else value


def _shared(content, key, klass, setting, made_of):
    """The address from the process's memo, formatted by Pelican on a miss. Month and day
    names follow the time locale, which a build sets from LOCALE."""
    if any(value is None for value in made_of):
        return _formatted(content, key, klass)  # Pelican fills in a missing date with now
    return _SHARED.get((setting, *made_of, time_locale()), lambda: _formatted(content, key, klass))


# Where Pelican reads each of its own fields (Content.url_format) when the content has it.
_PATHS = {"slug": "slug", "lang": "lang", "date": "date", "author": "author.slug", "category": "category.slug"}


@functools.lru_cache(maxsize=256)
def values_getter(pattern):
    """For a pattern that names only Pelican's own fields, a function giving their values in
    one call (in C: a build reads addresses some 100,000 times), with the date's time zone,
    since dates equal as instants may differ in what `{date:%H}` prints; None for another
    pattern. The function raises AttributeError when a field is missing (Pelican then uses a
    default)."""
    fields = pattern_fields(pattern)
    if not all(field in OWN_FIELDS for field in fields):
        return None
    paths = [_PATHS[field] for field in fields] + (["date.tzinfo"] if "date" in fields else [])
    if not paths:
        return _no_values
    # attrgetter gives a tuple from two names on: the content's class pads a single field.
    return operator.attrgetter(*paths, "__class__")


def _no_values(content):
    """The values of a pattern that names no field (an address that never changes)."""
    return ()


class KeptAddresses:
    """A content's addresses by setting: (the values the getter gave, the address, what it is
    made of: the pattern, then the fields). Compared with another content's (make serve
    compares each content with the last build's, servicebook.kept_content) by what it holds,
    in one C comparison, not item by item: 0.08 s of each rebuild at 5,000 posts."""

    __slots__ = ("by_setting",)

    def __init__(self):
        self.by_setting = {}

    def __eq__(self, other):
        return isinstance(other, KeptAddresses) and self.by_setting == other.by_setting

    __hash__ = None


def expand_settings(content, key, klass=None):
    """Content._expand_settings, remembered per pattern while its fields keep their values."""
    setting = f"{klass or type(content).__name__}_{key}".upper()
    pattern = str(content.settings[setting])
    getter = values_getter(pattern)
    if getter is None:
        return _formatted(content, key, klass)
    try:
        values = getter(content)
    except AttributeError:
        values = None  # a missing field: compared the long way below
    memo = content.__dict__.get("_addresses")
    if memo is None:
        memo = content._addresses = KeptAddresses()
    kept = memo.by_setting
    found = kept.get(setting)
    if found is not None and values is not None and found[0] == values and found[2][0] == pattern:
        return found[1]
    fields = pattern_fields(pattern)
    own = values[: len(fields)] if values is not None else [OWN_FIELDS[field](content) for field in fields]
    made_of = (pattern, *map(_identity, own))
    same = found is not None and found[2] == made_of
    address = found[1] if same else _shared(content, key, klass, setting, made_of)
    kept[setting] = (values, address, made_of)
    return address


@functools.lru_cache(maxsize=65536)
def _slug_of(value, regex_subs, preserve_case, use_unicode):
    return _slugify(value, regex_subs=regex_subs, preserve_case=preserve_case, use_unicode=use_unicode)


def slugify(value, regex_subs=(), preserve_case=False, use_unicode=False):
    """pelican.utils.slugify for tags, categories and authors, once per name and settings."""
    return _slug_of(value, tuple(map(tuple, regex_subs)), preserve_case, use_unicode)


def has_valid_save_as(content):
    """Content._has_valid_save_as (the address is inside the output folder), once per
    address and absolute output folder for the process; an address outside is looked at
    (and reported by Pelican) on every call."""
    output_path = content.settings.get("OUTPUT_PATH")
    if not isinstance(output_path, str) or not os.path.isabs(output_path):
        return _inside_output(content)
    key = (output_path, content.save_as)
    if _INSIDE.known(key):
        return True
    inside = _inside_output(content)
    if inside:
        _INSIDE.get(key, lambda: True)
    return inside


def relative_source_path(content, source_path=None):
    """Content.get_relative_source_path, once per source and absolute content folder."""
    root = content.settings["PATH"]
    if not isinstance(root, str) or not os.path.isabs(root):
        return _relative_source_path(content, source_path)
    path = source_path or content.source_path
    return _RELATIVE.get((root, path), lambda: _relative_source_path(content, source_path))


# (absolute output folder, address) found inside it; (absolute content folder, source) -> relative path.
_INSIDE = ProcessMemo(200_000)
_RELATIVE = ProcessMemo(200_000)


# The contents whose addresses are settled, by id: (the content, its addresses by key); those
# of the build that runs, or between builds those of the last (make serve's quick pages).
_settled = {}


def forget_settled_addresses(pelican):
    """initialized: a new build makes its contents anew."""
    _settled.clear()


def settle_addresses(generator):
    """article_generator_finalized, page_generator_finalized: from now on, each of the
    generator's articles or pages reads its address once."""
    for content in content_objects(generator.context):
        _settled.setdefault(id(content), (content, {}))


def get_url_setting(content, key):
    """Content.get_url_setting, once per key for a content whose address is settled."""
    settled = _settled.get(id(content))
    if settled is None or settled[0] is not content:
        return _url_setting(content, key)
    addresses = settled[1]
    if key not in addresses:
        addresses[key] = _url_setting(content, key)
    return addresses[key]


def register():
    urlwrappers.slugify = slugify
    # Pelican's own method still formats each address; Article and Page reach it through super().
    Content._expand_settings = expand_settings
    Content._has_valid_save_as = has_valid_save_as
    Content.get_relative_source_path = relative_source_path
    Content.get_url_setting = get_url_setting
    signals.initialized.connect(forget_settled_addresses)
    signals.article_generator_finalized.connect(settle_addresses)
    signals.page_generator_finalized.connect(settle_addresses)
