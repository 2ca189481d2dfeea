"""servicebook.hashing: a build looks at each source once."""

import threading

from servicebook.hashing import file_stamp, source_stamp, source_stat, stats_held


def test_in_the_block_a_file_is_as_first_seen_on_that_thread_only(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    missing = tmp_path / "gone.md"
    with stats_held():
        first = source_stamp(path)
        assert source_stat(missing) is None
        path.write_text("two, longer")
        missing.write_text("here now")
        assert source_stamp(path) == first != file_stamp(path)
        assert source_stat(missing) is None
        elsewhere = []
        thread = threading.Thread(target=lambda: elsewhere.append(source_stamp(path)))
        thread.start()
        thread.join()
        assert elsewhere == [file_stamp(path)]
    assert source_stamp(path) == file_stamp(path) != first
    assert source_stat(missing) is not None
