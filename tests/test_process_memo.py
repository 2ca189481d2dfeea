"""servicebook.process_memo: values kept for the process, forgotten all at once past a limit."""

from servicebook.process_memo import ProcessMemo


def test_a_value_is_made_once_per_key_and_all_are_forgotten_past_the_limit():
    made = []

    def make(key):
        return lambda: made.append(key) or key.upper()

    memo = ProcessMemo(limit=2)
    assert [memo.get(key, make(key)) for key in ("a", "b", "a", "b")] == ["A", "B", "A", "B"]
    assert made == ["a", "b"]
    assert memo.get("c", make("c")) == "C" and memo.get("a", make("a")) == "A"
    assert made == ["a", "b", "c", "a"]
