"""Moved posts keep their readers: a post or page lists its old addresses in `Aliases:`.

A post that moves (a new slug, an imported blog's `/blog/2019/05/old-post.html`) would leave
every link and bookmark to its old address on a 404. So each old address gets a small page
from the theme's `redirect.html` (meta refresh, canonical link, noindex, a plain link), and
`_redirects` at the output root lists them for hosts that answer with a real 301 (Netlify,
Cloudflare Pages). A dev build writes them too (root-relative targets), the public build
with absolute ones.

An old address is a path from the site's root (`/2019/old-slug/`) or a full URL on the site's
own host, reduced to its path; anything else is a warning naming the file and line, and is
skipped. An old address that another page of the site is written to, that two sources give,
or that is the post's own address stops the build: the pages are claimed through
servicebook.signals.fixed_outputs, so content_checks names a post or page written over one,
and this plugin names the rest.

Settings (DEFAULTS): ALIASES_HOSTS (hosts besides SITEURL's whose full URLs are this site's:
a `www.` host, or the public host in dev builds, whose SITEURL is empty) and
ALIASES_REDIRECTS_FILE (`_redirects`; "" writes none). Also read: SITEURL, PATH,
RELATIVE_URLS, TEMPLATE_PAGES.
"""

import logging
import os
import weakref
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from pelican import signals
from pelican.contents import Page
from pelican.generators import ArticlesGenerator
from pelican.writers import FileOverwriteFailedError

from servicebook.headers import header_line
from servicebook.plugin_settings import declare
from servicebook.problems import Problem, ProblemsError, report, shown_path
from servicebook.signals import fixed_outputs
from servicebook.writing import write_generated

logger = logging.getLogger(__name__)

DEFAULTS = {
    "ALIASES_HOSTS": [],  # besides SITEURL's host, e.g. ["www.servicebook.example"]
    "ALIASES_REDIRECTS_FILE": "_redirects",  # in the output; "" for none
}
FIELD = "Aliases"
# What a path keeps unencoded (RFC 3986 pchar, and the slash).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class AliasError(ProblemsError):
    """Old addresses that cannot be redirected: each would be written over another page."""

    def __init__(self, problems):
        super().__init__("Old addresses (Aliases:) that cannot be redirected:", problems)


@dataclass(frozen=True)
class Redirect:
    """One old address of a post or page: what `redirect.html` is handed (as `redirect`)."""

    old: str  # the site path a browser asks for: /2019/old-slug/
    save_as: str  # the file that answers it, in the output: 2019/old-slug/index.html
    target_url: str  # the new address under SITEURL (the post's url): 2024/new-slug/
    title: str
    lang: str
    source: str  # content/posts/new.md
    line: int  # of the Aliases: field
    # Also handed as `page`: the sitemap (site_map) lists a written page by its `page`, and
    # leaves out one whose status is not "published", so no redirect is in the sitemap.
    status: str = "redirect"

    @property
    def url(self):
        return self.old.lstrip("/")


def site_prefix(site_url):
    """The path SITEURL puts the site under ('' at the root of its host)."""
    return urlsplit(site_url or "").path.rstrip("/")


def own_hosts(site_url, hosts=()):
    """The hosts whose full URLs are this site's: SITEURL's and `hosts`, lower-cased."""
    found = {host.lower() for host in hosts}
    if urlsplit(site_url or "").hostname:
        found.add(urlsplit(site_url).hostname)
    return found


def alias_path(address, site_url="", hosts=()):
    """The site path (/2019/old-slug/) of an old address as `Aliases:` gives it: a path from
    the site's root, or a full URL on one of its own hosts. ValueError says why not."""
    address = address.strip()
    if not address:
        raise ValueError("an empty address (a comma too many?); remove it")
    if any(character.isspace() or ord(character) < 32 for character in address):
        raise ValueError(f"{address!r} has a space in it: skipped; write a space as %20")
    if "?" in address or "#" in address:
        raise ValueError(f"{address!r} has a ? or #, which a page at an address cannot answer: skipped; give the path")
    parts = urlsplit(address)
    if parts.scheme not in ("", "http", "https"):
        raise ValueError(f"{address!r} is not a web address: skipped; give a path like /2019/old-slug/")
    path = parts.path or "/"
    if parts.netloc:
        host, own = parts.hostname or "", own_hosts(site_url, hosts)
        if not own:
            raise ValueError(
                f"{address!r} is a full URL, and this build has no host of its own (SITEURL is empty): skipped; "
                f"give its path ({path}) or add {host} to ALIASES_HOSTS"
            )
        if host not in own:
            raise ValueError(
                f"{address!r} is on another host ({host}), not this site ({', '.join(sorted(own))}): skipped; "
                "an address elsewhere can only be redirected there"
            )
        prefix = site_prefix(site_url)
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            raise ValueError(f"{address!r} is outside this site ({site_url}): skipped")
        path = path[len(prefix) :] or "/"
    elif not address.startswith("/"):
        raise ValueError(f"{address!r} does not start with /: skipped; give the path from the site's root: /{address}")
    local = unquote(path)
    if "\\" in local or any(segment in (".", "..") for segment in local.split("/")):
        raise ValueError(f"{address!r} has a . or .. in its path: skipped; give the path as a browser shows it")
    return quote(local, safe=_PATH_SAFE)


def parse_aliases(value, site_url="", hosts=()):
    """([site paths], [messages]) for an `Aliases:` value, addresses separated by commas."""
    if isinstance(value, (list, tuple)):  # the field given twice
        value = ",".join(value)
    paths, messages = [], []
    for address in str(value).split(","):
        try:
            path = alias_path(address, site_url, hosts)
        except ValueError as error:
            messages.append(str(error))
        else:
            if path not in paths:
                paths.append(path)
    return paths, messages


def output_file(path):
    """The file answering site path `path`, in the output: `/a/` and `/a` are a/index.html,
    `/a.html` is a.html."""
    local = unquote(path).lstrip("/")
    if not local or local.endswith("/"):
        return local + "index.html"
    if local.lower().endswith((".html", ".htm")):
        return local
    return local + "/index.html"


def redirect_lines(redirects, site_url=""):
    """The lines of `_redirects`, sorted: `OLD NEW 301`, each the path a browser asks for."""
    prefix = site_prefix(site_url)
    return sorted(f"{prefix}{r.old} {prefix}/{quote(unquote(r.target_url), safe=_PATH_SAFE)} 301" for r in redirects)


def published_contents(context):
    """Every post and page the build writes (published or hidden, translations too), by source."""
    found = {}
    for key in ("articles", "hidden_articles", "pages", "hidden_pages"):
        for content in context.get(key, []):
            for item in (content, *getattr(content, "translations", [])):
                found[item.source_path] = item
    return [found[source] for source in sorted(found)]


def plan_redirects(contents, settings):
    """([Redirect] to write, sorted by file, [Problem]): an unusable address is a warning and
    is skipped; a post's own address, or an old address two sources give, is an error."""
    site_url, hosts = settings["SITEURL"], settings["ALIASES_HOSTS"]
    claims, problems = {}, []
    for content in contents:
        value = content.metadata.get("aliases")
        if value is None:
            continue
        source, line = shown_path(content.source_path, settings["PATH"]), header_line(content.source_path, FIELD)
        kind = "page" if isinstance(content, Page) else "post"
        paths, messages = parse_aliases(value, site_url, hosts)
        problems += [Problem(source, line, FIELD, message) for message in messages]
        if paths and not content.save_as:
            problems.append(Problem(source, line, FIELD, f"this {kind} is not written (no save_as): skipped"))
            continue
        written = set()
        for path in paths:
            save_as = output_file(path)
            if os.path.normpath(save_as) == os.path.normpath(content.save_as):
                problems.append(
                    Problem(source, line, FIELD, f"{path} is this {kind}'s own address; remove it", "error")
                )
            elif save_as not in written:
                written.add(save_as)
                redirect = Redirect(path, save_as, content.url, content.title, content.lang, source, line)
                claims.setdefault(os.path.normpath(save_as), []).append(redirect)
    redirects = []
    for claimants in claims.values():
        if len(claimants) == 1:
            redirects += claimants
            continue
        for redirect in claimants:
            others = ", ".join(f"{r.source}:{r.line}" for r in claimants if r is not redirect)
            message = f"{redirect.old} is also an old address (Aliases:) of {others}; keep it in one of them"
            problems.append(Problem(redirect.source, redirect.line, FIELD, message, "error"))
    return sorted(redirects, key=lambda r: r.save_as), problems


def collisions(redirects, taken):
    """Errors for the redirects that would be written over one of the `taken` outputs
    ({save_as: description})."""
    taken = {os.path.normpath(save_as): what for save_as, what in taken.items()}
    return [
        Problem(
            r.source,
            r.line,
            FIELD,
            f"{r.old} would be written over {r.save_as}, which is {taken[os.path.normpath(r.save_as)]}; remove it",
            "error",
        )
        for r in redirects
        if os.path.normpath(r.save_as) in taken
    ]


def enabled(settings):
    """False in a build of this process without this plugin: its receivers stay connected."""
    return "ALIASES_HOSTS" in settings


def alias_outputs(generator):
    """servicebook.signals.fixed_outputs: the redirect pages, so content_checks stops a post or
    page that would be written over one (naming both files)."""
    if not enabled(generator.settings):
        return {}
    redirects, _ = plan_redirects(published_contents(generator.context), generator.settings)
    return {r.save_as: f"the old address (Aliases:) of {r.source}" for r in redirects}


def unfixed_save_as(static):
    """Where a static file goes, read without fixing it there: Pelican lets an {attach} link
    move a file beside its post only while nothing has read the file's location."""
    referenced = static._output_location_referenced
    try:
        return static.save_as
    finally:
        static._output_location_referenced = referenced


def outputs_taken(generators):
    """{save_as: description} of what the build writes besides posts and pages (which
    content_checks compares with alias_outputs): template pages, static files, and the pages
    other plugins claim."""
    settings, context = generators[0].settings, generators[0].context
    taken = {save_as: f"the page made from {name}" for name, save_as in settings["TEMPLATE_PAGES"].items()}
    for static in context.get("staticfiles", []):
        taken[unfixed_save_as(static)] = f"the file {shown_path(static.source_path, settings['PATH'])}"
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            for receiver, claimed in fixed_outputs.send(generator):
                if receiver is not alias_outputs:
                    taken.update(claimed or {})
    return taken


def check_aliases(generators):
    """all_generators_finalized: report unusable addresses; stop the build on collisions."""
    settings = generators[0].settings
    if not enabled(settings):
        return
    redirects, problems = plan_redirects(published_contents(generators[0].context), settings)
    problems += collisions(redirects, outputs_taken(generators))
    for problem in problems:
        if problem.severity != "error":
            report(logger, problem)
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise AliasError(errors)


# Which of Pelican's two content generators have written their pages, by the build's writer.
_written_by = weakref.WeakKeyDictionary()


def write_redirects(generator, writer):
    """article_writer_finalized and page_writer_finalized: once both generators have written
    (in Pelican's order or not: search_index writes the pages first), every post, page and
    list is written, so a redirect written over one of them is caught here too (a build
    without content_checks, a plugin that claims nothing)."""
    written_by = _written_by.setdefault(writer, set())
    written_by.add(type(generator))
    if len(written_by) < 2:
        return
    settings = generator.settings
    if not enabled(settings):
        return
    redirects, _ = plan_redirects(published_contents(generator.context), settings)
    if not redirects:
        return
    template = generator.get_template("redirect")
    problems = []
    for redirect in redirects:
        try:
            # Handed as template arguments, not context: the render cache keys a page by them.
            writer.write_file(
                redirect.save_as,
                template,
                generator.context,
                relative_urls=settings["RELATIVE_URLS"],
                redirect=redirect,
                page=redirect,
            )
        except FileOverwriteFailedError:
            message = f"{redirect.old} would be written over {redirect.save_as}, another page of the site; remove it"
            problems.append(Problem(redirect.source, redirect.line, FIELD, message, "error"))
    if problems:
        raise AliasError(problems)
    lines = redirect_lines(redirects, settings["SITEURL"])
    if lines and settings["ALIASES_REDIRECTS_FILE"]:
        text = "\n".join(lines) + "\n"
        write_generated(
            writer, generator.output_path, settings["ALIASES_REDIRECTS_FILE"], [lines], lambda: text, generator.context
        )


def declare_settings(pelican):
    declare(pelican.settings, DEFAULTS)


def register():
    signals.initialized.connect(declare_settings)
    signals.all_generators_finalized.connect(check_aliases)
    signals.article_writer_finalized.connect(write_redirects)
    signals.page_writer_finalized.connect(write_redirects)
    fixed_outputs.connect(alias_outputs)
