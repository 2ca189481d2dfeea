"""servicebook.records: a plugin's record in CACHE_PATH, handed back without parsing to the
process that saved it, as long as the file is the one it wrote."""

from pathlib import Path

import pytest

from servicebook import records
from servicebook.records import JsonRecord


@pytest.fixture
def record(tmp_path, monkeypatch):
    monkeypatch.setattr(records, "_SAVED", {})
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
