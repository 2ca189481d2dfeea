"""Correct above all: whatever an author does under `make serve`, the site it serves ends
equal, file for file, to what a clean build of the same sources writes.

Random sequences of edits (create, edit a body, retitle, retag (tags that differ only in case
among them), redate, set a modified date, draft and undraft, hide and show, delete, change a
post's category, authors, slug or old addresses, link it to another post, rename its file,
retitle or delete a page, change a case's facts, edit a template (one makes every page of a
list name its newest post), edit the settings, add or delete a picture and a file that posts
link to) are applied to a small site the way `make serve` applies them: the
quick page for the change from the last build (and, for an edit it changes in place, every
other output that shows it), then the whole rebuild over the same output and caches, the
content cache kept in memory. Odd seeds build as `make serve` builds (one process, its outputs
kept for quick edits), even seeds with every core (parallel_write); every fourth seed builds as
`make build` does after each edit (the content cache read from disk, no quick pages).
After each step the output is compared with a clean build in a fresh folder (the sitemap's
dates aside; the search index, in shards of two pages, by what it finds: make serve writes
again only the shards whose pages changed); after an edit changed in place, also before the
whole rebuild, as the quick edit left it. CI runs four sequences of ten edits;
SERVICEBOOK_FUZZ_SEEDS=20 SERVICEBOOK_FUZZ_STEPS=100 run many more, longer ones.
"""

import contextlib
import os
import random
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from helpers import ROOT, case, filter_index, fragments, output_files, post, write_content
from servicebook import pagefind, quick_page, records, site
from servicebook.kept_content import KeptReaderCaches

STEPS = int(os.environ.get("SERVICEBOOK_FUZZ_STEPS", "10"))
SEEDS = range(1, 1 + int(os.environ.get("SERVICEBOOK_FUZZ_SEEDS", "4")))
WORDS = "heron kingfisher weir bill refund queue tariff meter letter".split()
TAGS = ["billing", "refunds", "rail", "energy", "Billing", "Rail fares"]


class Site:
    """A small site (content, theme and settings file of its own) and its served output."""

    def __init__(self, root, rng, newest_shown=False):
        self.root, self.rng = root, rng
        self.content = root / "content"
        shutil.copytree(ROOT / "theme", root / "theme")
        if newest_shown:
            self.show_the_newest_on_each_list_page()
        shutil.copy(ROOT / "pelicanconf.py", root / "pelicanconf.py")
        self.serial = 0
        for _ in range(4):
            self.create()
        write_content(
            self.content,
            {
                # With a slug of its own, so a new title leaves it where it is (a quick edit).
                "cases/bill.md": case("The bill came twice.").replace("Title: A case", "Title: A case\nSlug: a-case"),
                "pages/about.md": "Title: About\n\nUs.\n",
            },
        )

    def overrides(self, output, cache):
        return {
            "PATH": self.content,
            "THEME": self.root / "theme",
            "OUTPUT_PATH": output,
            "CACHE_PATH": cache,
            "IMAGES_CACHE_PATH": cache / "images",
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "SEARCH_INDEX_SHARD_PAGES": 2,
            # Lists of several pages, which a new or deleted post shifts.
            "DEFAULT_PAGINATION": 2,
        }

    def build(self, output, cache, **settings):
        return site.build(self.root / "pelicanconf.py", **self.overrides(output, cache), **settings)

    def posts(self):
        return sorted((self.content / "posts").glob("*.md"))

    def words(self, count=12):
        return " ".join(self.rng.choice(WORDS) for _ in range(count)).capitalize() + "."

    # The edits; each returns the paths it changed.

    def create(self):
        self.serial += 1
        name = f"p{self.serial}"
        date = f"2024-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        tags = ", ".join(self.rng.sample(TAGS, self.rng.randint(1, 2)))
        text = post(f"Post {name} {self.rng.choice(WORDS)}", self.words(40), date=date, tags=tags, slug=name)
        write_content(self.content, {f"posts/{name}.md": text})
        return [self.content / "posts" / f"{name}.md"]

    def _rewrite(self, change):
        if not self.posts():
            return self.create()
        path = self.rng.choice(self.posts())
        text = path.read_text(encoding="utf-8")
        header, _, body = text.partition("\n\n")
        path.write_text(change(header, body), encoding="utf-8")
        return [path]

    def _header(self, header, key, value):
        lines = [line for line in header.splitlines() if not line.startswith(f"{key}:")]
        return "\n".join(lines + ([f"{key}: {value}"] if value else []))

    def _set_field(self, key, value):
        """A post's header field set to `value` ("": taken away)."""
        return self._rewrite(lambda h, b: f"{self._header(h, key, value)}\n\n{b}")

    def edit_body(self):
        return self._rewrite(lambda header, body: f"{header}\n\n{body}\n{self.words()}\n")

    def retitle(self):
        # The title is drawn once the post is chosen (so the seeds' sequences stay as they were).
        return self._rewrite(lambda h, b: f"{self._header(h, 'Title', 'Retitled ' + self.words(2))}\n\n{b}")

    def resummarise(self):
        summary = self.rng.choice(["", self.words(6), f"See [the first]({{filename}}/cases/bill.md). {self.words(3)}"])
        return self._set_field("Summary", summary)

    def retitle_case(self):
        path = self.content / "cases" / "bill.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            self._header(*text.split("\n\n", 1)[:1], "Title", self.words(3)) + "\n\n" + text.split("\n\n", 1)[1],
            "utf-8",
        )
        return [path]

    def retag(self):
        tags = ", ".join(self.rng.sample(TAGS, self.rng.randint(1, 3)))
        return self._set_field("Tags", tags)

    def redate(self):
        date = f"2023-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        return self._set_field("Date", date)

    def recategorise(self):
        category = self.rng.choice(["", "Essays", "Notes", "Field reports"])
        return self._set_field("Category", category)

    def reauthor(self):
        author = self.rng.choice(["", "Ada Byrne", "Sam Okafor", "Ada Byrne, Sam Okafor"])
        return self._set_field("Authors", author)

    def reslug(self):
        self.serial += 1
        return self._set_field("Slug", f"moved-{self.serial}")

    def rename_file(self):
        """A source renamed (its slug, and so its page, stay where they are)."""
        if not self.posts():
            return self.create()
        path = self.rng.choice(self.posts())
        self.serial += 1
        renamed = path.with_name(f"r{self.serial}-{path.name}")
        path.rename(renamed)
        return [path, renamed]

    def edit_page(self):
        """The About page retitled (every page's menu shows it), or gone, or back."""
        path = self.content / "pages" / "about.md"
        if path.exists() and self.rng.random() < 0.3:
            path.unlink()
        else:
            write_content(self.content, {"pages/about.md": f"Title: {self.words(2)}\nSlug: about\n\n{self.words()}\n"})
        return [path]

    def remodify(self):
        """A Modified date set, changed or gone (the sitemap and the feeds show it)."""
        modified = self.rng.choice(["", f"2025-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d} 09:30"])
        return self._set_field("Modified", modified)

    def hide_or_show(self):
        status = self.rng.choice(["hidden", ""])
        return self._set_field("Status", status)

    def realias(self):
        """An old address given or taken away (its redirect page shows the post's title)."""
        self.serial += 1
        alias = self.rng.choice(["", f"/old/{self.serial}/"])
        return self._set_field("Aliases", alias)

    def link_to_a_post(self):
        """A link to another post by its source (`{filename}`): its address, title gone or moved follow."""
        posts = self.posts()
        if len(posts) < 2:
            return self.create()
        target = self.rng.choice(posts).name
        line = f"See [the other one]({{filename}}/posts/{target}).\n"
        return self._rewrite(lambda h, b: f"{h}\n\n{b}\n{line}")

    def draft_or_publish(self):
        status = self.rng.choice(["draft", ""])
        return self._set_field("Status", status)

    def delete(self):
        if len(self.posts()) < 2:
            return self.create()
        path = self.rng.choice(self.posts())
        path.unlink()
        return [path]

    def add_or_delete_file(self):
        """A picture a post shows and a file it links to, added; or one deleted, links and all."""
        pictures = sorted((self.content / "images").glob("*.png"))
        if pictures and self.rng.random() < 0.5:
            gone = self.rng.choice(pictures)
            gone.unlink()
            changed = [gone, gone.with_suffix(".txt")]
            gone.with_suffix(".txt").unlink()
            for path in self.posts():
                text = path.read_text(encoding="utf-8")
                if gone.stem in text:
                    path.write_text("\n".join(line for line in text.splitlines() if gone.stem not in line), "utf-8")
                    changed.append(path)
            return changed
        self.serial += 1
        name = f"f{self.serial}"
        (self.content / "images").mkdir(exist_ok=True)
        Image.new("RGB", (60, 40), self.rng.choice(["red", "teal", "navy"])).save(
            self.content / "images" / f"{name}.png"
        )
        (self.content / "images" / f"{name}.txt").write_text(self.words(), encoding="utf-8")
        links = f"![A {name}](../images/{name}.png)\n\nThe [notes]({{static}}/images/{name}.txt).\n"
        return [self.content / "images" / f"{name}.png", *self._rewrite(lambda h, b: f"{h}\n\n{b}\n{links}")]

    def edit_case(self):
        path = self.content / "cases" / "bill.md"
        outcome = self.rng.choice(["resolved", "unresolved", "partly resolved"])
        text = path.read_text(encoding="utf-8")
        start = text.index("Outcome: ")
        path.write_text(text[:start] + f"Outcome: {outcome}" + text[text.index("\n", start) :], encoding="utf-8")
        return [path]

    def edit_template(self):
        path = self.root / "theme" / "templates" / "base.html"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("</footer>", f"<!-- {self.rng.random()} --></footer>", 1), encoding="utf-8")
        return [path]

    def show_the_newest_on_each_list_page(self):
        """Toggled: every page of every list names the list's newest post, so that its pages
        are keyed by the whole list (render_cache: `lists_shown_whole`)."""
        path = self.root / "theme" / "templates" / "index.html"
        text = path.read_text(encoding="utf-8")
        line = "<p>Newest: {{ articles[0].title if articles }}</p>\n"
        before, end, after = text.rpartition("{% endblock %}")
        path.write_text(text.replace(line, "") if line in text else before + line + end + after, encoding="utf-8")
        return [path]

    def edit_settings(self):
        path = self.root / "pelicanconf.py"
        with open(path, "a", encoding="utf-8") as settings:
            settings.write(f'\nSITE_DESCRIPTION = "Stories, {self.rng.choice(WORDS)} edition"\n')
        return [path]

    EDITS = (
        "create",
        "edit_body",
        "edit_body",
        "retitle",
        "resummarise",
        "retag",
        "redate",
        "draft_or_publish",
        "delete",
        "add_or_delete_file",
        "recategorise",
        "reauthor",
        "reslug",
        "rename_file",
        "edit_page",
        "remodify",
        "hide_or_show",
        "realias",
        "link_to_a_post",
    )
    RARE = ("edit_case", "retitle_case", "edit_template", "show_the_newest_on_each_list_page", "edit_settings")


def assert_same(output, clean, done, when=""):
    got, want = output_files(output), output_files(clean)
    assert sorted(set(got) ^ set(want)) == [], f"after {done}{when}: files differ"
    assert [name for name in want if got[name] != want[name]] == [], f"after {done}{when}: contents differ"


def search_index(output):
    """What each shard of a search index finds (its pages' fragments) and counts (its filters'
    values), by the shard's folder: the files' names and order depend on the order pages
    were added in."""
    return {
        folder.parent.name: (
            sorted(fragments(folder.parent), key=lambda page: page["url"]),
            filter_index(folder.parent),
        )
        for folder in sorted((Path(output) / "pagefind").glob("**/fragment"))
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_the_served_site_equals_a_clean_build_after_any_edits(tmp_path, seed):
    rng = random.Random(seed)
    # Seeds 3, 6, ...: every page of every list names its newest post from the start.
    served = Site(tmp_path / "site", rng, newest_shown=seed % 3 == 0)
    output, cache = tmp_path / "served", tmp_path / "served-cache"
    # Pages rendered in worker processes, or as make serve renders them (in one process,
    # outputs kept), against a clean build's in one process. Seeds 4, 8, ...: as `make build`
    # after each edit (worker processes, the content cache read from disk, no quick pages).
    how = dict(site.SERVE_SETTINGS) if seed % 2 else {"PARALLEL_WRITE_MIN_PAGES": 2}
    as_make_build = seed % 4 == 0
    kept, last_builds = KeptReaderCaches(), quick_page.ServedSite()
    done = []
    for step in range(STEPS + 1):
        paths = []
        if step:
            edit = rng.choice(Site.EDITS) if rng.random() < 0.85 else rng.choice(Site.RARE)
            paths = getattr(served, edit)()
            done.append(f"{edit} {', '.join(p.name for p in paths)}")
            time.sleep(0.01)  # a save after the build began, as an author's
        clean = tmp_path / f"clean-{step}"
        served.build(clean / "output", clean / "cache", PARALLEL_WRITE=False)
        last = None if as_make_build else last_builds.last
        pages = quick_page.render_quick_pages(last, [str(path) for path in paths])
        if pages and last.writer is not None:
            quick_page.render_the_rest(last, pages)
            assert_same(output, clean / "output", done, " (quick edit)")
        restarted = step and not as_make_build and rng.random() < 0.1
        if restarted:
            # As a restarted make serve: its first build keeps every page, rendering no list entry.
            kept, last_builds = KeptReaderCaches(), quick_page.ServedSite()
            done.append("restart")
        last_builds.build_begins()
        with contextlib.nullcontext() if as_make_build else kept.installed(), last_builds.following():
            # As make serve: the records written when the server is idle (after every other
            # build here; the next build writes the others' before it reads them).
            with contextlib.nullcontext() if as_make_build else records.written_later():
                served.build(output, cache, **how)
            if step % 2:
                records.write_saved()
        if not as_make_build and (restarted or step % 3 == 0):
            # As make serve when idle: every list entry rendered, for the next build to take over.
            assert last_builds.render_lists(lambda: False)
        pagefind.wait_for_index()
        assert_same(output, clean / "output", done)
        assert search_index(output) == search_index(clean / "output"), f"after {done}: the search index differs"
        shutil.rmtree(clean)
    records.write_saved()  # none left for another test's server to write into this one's folders
