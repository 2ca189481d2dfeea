"""servicebook.contents: every article and page of a build, each once, in a stable order,
worked out once for the same contents."""

from pelican.contents import Article

from helpers import SETTINGS
from servicebook import contents


class Counted(Article):
    """An article that counts how often its address is worked out."""

    asked = 0

    @property
    def save_as(self):
        Counted.asked += 1
        return f"{self.slug}/index.html"


def article(slug):
    return Counted(
        "Text.", metadata={"title": slug, "slug": slug}, settings=dict(SETTINGS), source_path=f"/c/{slug}.md"
    )


def test_each_content_once_in_order_and_worked_out_once_for_the_same_contents():
    one, two, three = article("b"), article("a"), article("c")
    context = {"articles": [one, two], "dates": [two, one], "pages": [three], "SITENAME": "x"}
    Counted.asked = 0
    assert contents.contents_in(context) == [two, one, three]
    asked = Counted.asked
    assert asked == 3
    found = contents.contents_in(context)
    assert found == [two, one, three] and Counted.asked == asked
    found.append("mine")  # the caller's list: the next caller gets its own
    assert contents.contents_in(context) == [two, one, three]


def test_other_contents_are_worked_out_again():
    one, two = article("b"), article("a")
    context = {"articles": [one]}
    assert contents.contents_in(context) == [one]
    context["articles"] = [one, two]
    assert contents.contents_in(context) == [two, one]
    replaced = article("b")
    context["articles"] = [replaced, two]
    assert contents.contents_in(context) == [two, replaced]
    assert contents.contents_in({"articles": [one, two]}) == [two, one]  # another context
