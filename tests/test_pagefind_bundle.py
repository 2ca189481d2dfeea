"""A new search index replaces the old one whole (servicebook.pagefind_bundle): a search made
while it is written, or after a build stopped meanwhile, reads one whole bundle."""

import os

from helpers import fragments
from servicebook import pagefind, pagefind_bundle


def page(title, words):
    return f'<html lang="en"><body><main data-pagefind-body><h1>{title}</h1><p>{words}</p></main></body></html>'


def index_of(bundle, pages, spared=None):
    index = pagefind.LiveIndex(bundle, spared=spared)
    for url, (title, words) in pages.items():
        index.add(page(title, words), url)
    return index


OLD = {"/heron/": ("Herons", "Grey herons wade."), "/stork/": ("Storks", "White storks nest.")}
NEW = {"/heron/": ("Herons", "Grey herons wade and fish."), "/crane/": ("Cranes", "Cranes dance.")}


def files_in(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and pagefind_bundle.STAGING not in path.relative_to(folder).parts
    }


def urls(bundle):
    return sorted(fragment["url"] for fragment in fragments(bundle))


def test_at_every_step_of_the_replacement_the_bundle_on_disk_is_one_whole_bundle(tmp_path, monkeypatch):
    bundle = tmp_path / "pagefind"
    index_of(bundle, OLD).write()
    old = files_in(bundle)
    # The new bundle, written beside the old, and moved in here step by step.
    monkeypatch.setattr(pagefind, "replace_bundle", lambda *args: None)
    index_of(bundle, NEW).write()
    new = files_in(pagefind_bundle.staging_folder(bundle))
    assert files_in(bundle) == old
    assert old["pagefind-entry.json"] != new["pagefind-entry.json"]
    looks = []

    def whole_after(step):
        def stepped(*args):
            step(*args)
            on_disk = files_in(bundle)
            wanted = old if on_disk["pagefind-entry.json"] == old["pagefind-entry.json"] else new
            assert {name: on_disk.get(name) for name in wanted} == wanted, f"half a bundle after {step.__name__}{args}"
            looks.append(wanted is new)

        return stepped

    monkeypatch.setattr(os, "replace", whole_after(os.replace))
    monkeypatch.setattr(os, "unlink", whole_after(os.unlink))
    pagefind_bundle.replace_bundle(bundle)
    monkeypatch.undo()
    assert looks[0] is False and looks[-1] is True and len(looks) > len(new)
    # In the end, the new bundle and nothing else.
    assert files_in(bundle) == new
    assert not pagefind_bundle.staging_folder(bundle).exists()
    assert urls(bundle) == ["/crane/", "/heron/"]


def test_a_build_stopped_while_pagefind_writes_leaves_the_old_bundle_and_the_next_write_replaces_it(tmp_path):
    bundle = tmp_path / "pagefind"
    index_of(bundle, OLD).write()
    old = files_in(bundle)
    stopped = index_of(bundle, NEW)
    stopped.write_ahead()
    stopped.abandon()
    assert files_in(bundle) == old
    index_of(bundle, NEW).write()
    assert urls(bundle) == ["/crane/", "/heron/"]
    assert not pagefind_bundle.staging_folder(bundle).exists()


def test_what_is_spared_in_the_bundle_folder_stays_and_nothing_but_pagefinds_files_is_removed(tmp_path):
    bundle = tmp_path / "pagefind"
    index_of(bundle / "shard-1", OLD).write()
    shard = files_in(bundle / "shard-1")
    index_of(bundle, OLD, spared="shard-*").write()
    index_of(bundle, NEW, spared="shard-*").write()
    assert files_in(bundle / "shard-1") == shard
    assert urls(bundle) == ["/crane/", "/heron/"]
    # Someone else's files in the bundle's folder, even in Pagefind's own folders, stay.
    (bundle / "notes.txt").write_text("mine")
    (bundle / "fragment" / "notes.txt").write_text("mine too")
    index_of(bundle, OLD, spared="shard-*").write()
    assert (bundle / "notes.txt").read_text() == "mine"
    assert (bundle / "fragment" / "notes.txt").read_text() == "mine too"
    assert urls(bundle) == ["/heron/", "/stork/"]


def test_a_data_file_the_new_bundle_shares_with_the_old_stays_unless_it_was_cut_off(tmp_path):
    """Pagefind names its data files after their contents: one the old bundle has already is
    left in place (replacing thousands took most of a second), but not a cut-off one."""
    bundle = tmp_path / "pagefind"
    index_of(bundle, OLD).write()
    fragment = sorted((bundle / "fragment").iterdir())[0]
    kept, cut = sorted((bundle / "index").iterdir())[0], fragment.read_bytes()
    fragment.write_bytes(cut[:-8])
    inode = kept.stat().st_ino
    index_of(bundle, OLD).write()
    assert fragment.read_bytes() == cut
    assert kept.stat().st_ino == inode
    assert urls(bundle) == ["/heron/", "/stork/"]
