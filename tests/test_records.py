"""servicebook.records: a plugin's record in CACHE_PATH, handed back without parsing to the
process that saved it, as long as the file is the one it wrote."""

import threading
from pathlib import Path

import pytest

from servicebook import records
from servicebook.records import JsonRecord


@pytest.fixture
def record(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "_SAVED", {})
    monkeypatch.setattr(records, "_UNWRITTEN", {})
    return JsonRecord({"CACHE_PATH": str(tmp_path), "CACHE_CONTENT": True}, "kept.json")


def test_what_this_process_saved_comes_back_without_reading_the_file(record, monkeypatch):
    saved = {"page.html": ["key", "digest"]}
    record.save(saved)
    assert record.path.read_text() == '{"page.html":["key","digest"]}'

    def unreadable(*args, **kwargs):
        raise AssertionError("the record was read again")

    monkeypatch.setattr(Path, "read_text", unreadable)
    assert record.load({}) is saved


def test_the_kept_value_is_handed_over_once(record):
    record.save({"a": 1})
    first = record.load({})
    first["b"] = 2  # the caller's to change
    assert record.load({}) == {"a": 1}


def test_a_file_written_since_by_someone_else_is_read(record):
    record.save({"a": 1})
    record.path.write_text('{"a": 2}')
    assert record.load({}) == {"a": 2}


def test_a_removed_or_damaged_record_reads_as_empty(record):
    record.save({"a": 1})
    record.path.unlink()
    assert record.load({}) == {}
    record.save({"a": 1})
    record.path.write_text("{not json")
    assert record.load({}) == {}
    record.save([1, 2])
    assert record.load({}) == {}  # not the type asked for


def test_without_the_content_cache_nothing_is_kept(tmp_path):
    record = JsonRecord({"CACHE_PATH": str(tmp_path), "CACHE_CONTENT": False}, "kept.json")
    record.save({"a": 1})
    assert record.load({}) == {} and not list(tmp_path.iterdir())


def test_what_a_build_saves_under_make_serve_is_written_once_the_server_is_idle(record):
    record.save({"a": 1})
    with records.written_later():
        record.save({"a": 2})
        assert record.path.read_text() == '{"a":1}'  # not while the build runs
    records.write_saved()
    assert record.path.read_text() == '{"a":2}'
    assert record.load({}) == {"a": 2}


def test_a_record_not_written_yet_is_written_before_another_build_loads_it(record):
    with records.written_later():
        record.save({"a": 2})
    assert not record.path.exists()
    # The next build loads it: the file is the last build's from then on, should this one
    # fail before it saves.
    with records.written_later():
        assert record.load({}) == {"a": 2}
        assert record.path.read_text() == '{"a":2}'
    records.write_saved()  # nothing left to write
    assert record.load({}) == {"a": 2}


def test_the_build_that_saved_a_record_gets_it_back_unwritten(record):
    record.save({"a": 1})
    with records.written_later():
        record.save({"a": 2})  # the articles' content checks
        taken = record.load({})  # the pages': the same record
        assert taken == {"a": 2} and record.path.read_text() == '{"a":1}'
        record.save(taken, changed=False)  # nothing of theirs changed: still to be written
    records.write_saved()
    assert record.path.read_text() == '{"a":2}'


def test_only_the_builds_own_thread_puts_its_writes_off(record):
    other = JsonRecord({"CACHE_PATH": str(record.path.parent), "CACHE_CONTENT": True}, "other.json")
    with records.written_later():
        # The search index saves its record from a thread of its own, whenever it is done.
        thread = threading.Thread(target=other.save, args=({"b": 1},))
        thread.start()
        thread.join()
        record.save({"a": 1})
    assert other.path.read_text() == '{"b":1}' and not record.path.exists()
    records.write_saved()
    assert record.path.read_text() == '{"a":1}'
