"""Case stories: schema validation, facet pages and feeds, the stats page."""

import re
from collections import Counter
from statistics import median
from types import SimpleNamespace

import feedparser
import pytest

from casebook.casebook import facet_pages, facets_in_use
from casebook.charts import bar_chart, stacked_bar_chart
from casebook.facts import CaseFacts, validate_case, value_slug
from casebook.stats import facet_counts, median_days_by_sector, outcome_by_escalation
from helpers import CONTENT, SETTINGS, build_small_site, parse_html, post, problem_lines
from helpers import read_header as read_plain_header
from servicebook import authoring, site
from servicebook.headers import read_header

FACETS = SETTINGS["CASEBOOK_FACETS"]
SLUG_SUBS = site.load_settings()["SLUG_REGEX_SUBSTITUTIONS"]
GOOD = """Title: A case
Date: 2024-02-03
Tags: billing
Summary: Short.
Organisation: a carrier
Sector: Telecom
Channel: phone, Social Media
Failure: billing error
Outcome: resolved
Escalation: public/social media
Days-To-Resolve: 12
Lesson: Ask once, in public.

Body.
"""


def case_file(**changes):
    """GOOD with header lines replaced ({key: value}) or removed ({key: None})."""
    lines = GOOD.split("\n\n", 1)[0].splitlines()
    out = []
    for line in lines:
        key = line.split(":", 1)[0]
        if key in changes:
            if changes[key] is not None:
                out.append(f"{key}: {changes.pop(key)}")
            else:
                changes.pop(key)
        else:
            out.append(line)
    out += [f"{key}: {value}" for key, value in changes.items()]
    return "\n".join(out) + "\n\nBody.\n"


def problems_for(text):
    facts, problems = validate_case(read_header(text), FACETS, "content/cases/x.md")
    return facts, [str(p) for p in problems]


def test_a_good_case_gives_canonical_facts():
    facts, problems = problems_for(GOOD)
    assert problems == []
    assert facts.facets["sector"] == ["telecom"]
    assert facts.facets["channel"] == ["phone", "social media"]
    assert facts.days_to_resolve == 12 and facts.organisation == "a carrier"


def test_unknown_value_names_file_line_field_value_allowed_values_and_suggestion():
    _, problems = problems_for(case_file(Sector="telcom"))
    assert problems == [
        "content/cases/x.md:6: Sector: 'telcom' is not allowed (telcom → telecom?); allowed: "
        + ", ".join(FACETS["sector"]["values"])
    ]


def test_missing_and_empty_required_fields():
    _, problems = problems_for(case_file(Lesson=None, Organisation=""))
    assert "content/cases/x.md: Lesson: missing; every case needs this line" in problems
    assert "content/cases/x.md:5: Organisation: empty; fill it in" in problems


@pytest.mark.parametrize("field", ["Title", "Date", "Summary", "Organisation", "Lesson"])
def test_every_case_needs_its_title_date_summary_organisation_and_lesson(field):
    _, problems = problems_for(case_file(**{field: None}))
    assert problems == [f"content/cases/x.md: {field}: missing; every case needs this line"]


def test_tags_are_required():
    _, problems = problems_for(case_file(Tags=None))
    assert problems == ["content/cases/x.md: Tags: missing; every case needs this line"]


def test_authors_can_extend_the_facets():
    facets = {
        **FACETS,
        "sector": {**FACETS["sector"], "values": [*FACETS["sector"]["values"], "Gaming"]},
        "region": {"label": "Region", "values": ["north", "south"], "required": False},
    }
    facts, problems = validate_case(read_header(case_file(Sector="gaming")), facets, "x.md")
    assert problems == [] and facts.facets["sector"] == ["Gaming"] and "region" not in facts.facets
    facts, problems = validate_case(read_header(case_file(Region="North")), facets, "x.md")
    assert problems == [] and facts.facets["region"] == ["north"]
    _, problems = validate_case(read_header(case_file(Region="west")), facets, "x.md")
    assert [str(p) for p in problems] == ["x.md:13: Region: 'west' is not allowed; allowed: north, south"]
    required = {**facets, "region": {**facets["region"], "required": True}}
    _, problems = validate_case(read_header(GOOD), required, "x.md")
    assert [str(p) for p in problems] == ["x.md: Region: missing; every case needs this line (one of: north, south)"]


def test_non_integer_days_and_invalid_date():
    _, problems = problems_for(case_file(**{"Days-To-Resolve": "about ten", "Date": "2024-13-45"}))
    assert problems == [
        "content/cases/x.md:2: Date: '2024-13-45' is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM",
        (
            "content/cases/x.md:11: Days-To-Resolve: 'about ten' is not a whole number of days (e.g. 12), or "
            "leave the line out"
        ),
    ]


def test_single_valued_facet_rejects_several_values_and_typo_keys_are_caught():
    _, problems = problems_for(case_file(Outcome="resolved, unresolved", Lesonn="x"))
    assert "content/cases/x.md:9: Outcome: takes one value, got 2: resolved, unresolved" in problems
    assert "content/cases/x.md:13: Lesonn: unknown field; did you mean Lesson?" in problems


def test_all_problems_of_a_file_are_reported_together():
    _, problems = problems_for(case_file(Sector="telcom", Channel="pigeon", Outcome=None))
    assert len(problems) == 3


def facts(sector, outcome, escalation, days, channels=("phone",), failures=("run-around",)):
    return CaseFacts(
        "org",
        "lesson",
        days,
        {
            "sector": [sector],
            "outcome": [outcome],
            "escalation": [escalation],
            "channel": list(channels),
            "failure": list(failures),
        },
    )


def test_counting_and_chart_data():
    cases = [
        facts("banking", "resolved", "public/social media", 2, channels=("phone", "social media")),
        facts("banking", "unresolved", "none", None),
        facts("telecom", "resolved", "public/social media", 10),
        facts("banking", "resolved", "supervisor", 30),
    ]
    assert facet_counts(cases, "channel", FACETS) == [("phone", 4), ("social media", 1)]
    assert outcome_by_escalation(cases, FACETS) == {
        "none": {"resolved": 0, "partly resolved": 0, "unresolved": 1},
        "supervisor": {"resolved": 1, "partly resolved": 0, "unresolved": 0},
        "public/social media": {"resolved": 2, "partly resolved": 0, "unresolved": 0},
    }
    assert median_days_by_sector(cases) == [("banking", 16, 2), ("telecom", 10, 1)]


def test_each_facet_value_lists_the_cases_that_have_it_in_their_order_most_used_value_first():
    cases = [
        SimpleNamespace(case=facts("banking", "resolved", "none", 2, channels=("phone", "phone", "social media"))),
        SimpleNamespace(case=facts("telecom", "resolved", "none", 1, channels=("social media",))),
        SimpleNamespace(case=facts("banking", "unresolved", "none", 3, channels=("phone",))),
    ]
    in_use = {facet.key: facet for facet in facets_in_use(cases, SETTINGS)}
    channels = [(value.value, value.cases) for value in in_use["channel"].values]
    # "phone" is counted twice in the first case (facet_counts) but lists it once.
    assert channels == [("phone", [cases[0], cases[2]]), ("social media", [cases[0], cases[1]])]
    assert [(value.value, value.cases) for value in in_use["sector"].values] == [
        ("banking", [cases[0], cases[2]]),
        ("telecom", [cases[1]]),
    ]
    assert [value.path for value in facet_pages(in_use.values())] == [
        value.path for facet in in_use.values() for value in facet.values
    ]


def test_value_slugs():
    assert value_slug("public/social media") == "public-social-media"
    assert value_slug("HR/internal") == "hr-internal"


def test_charts_are_accessible_svg_with_bars_proportional_to_values():
    svg = bar_chart("c", "Title <x>", "Desc", [("a", 4), ("b", 2)])
    assert 'role="img"' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Title &lt;x&gt;</title>' in svg
    widths = [int(w) for w in re.findall(r'class="chart-bar" x="\d+" y="\d+" width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert "style=" not in svg and "<script" not in svg
    stacked = stacked_bar_chart("s", "T", "D", [("none", {"resolved": 1, "unresolved": 3})], ["resolved", "unresolved"])
    assert stacked.count('class="chart-bar series-1"') == 2  # segment + legend


# End to end on the real sample site.


def sample_cases():
    cases = []
    for path in sorted((CONTENT / "cases").glob("*.md")):
        header = read_plain_header(path)
        if header.get("status", "").lower() != "draft":
            found, problems = validate_case(read_header(path.read_text(encoding="utf-8")), FACETS, str(path))
            assert not problems
            cases.append((header, found))
    return cases


def test_sample_casebook_is_rich_enough():
    cases = sample_cases()
    assert len(cases) >= 12
    for key in FACETS:
        assert len(facet_counts([c for _, c in cases], key, FACETS)) >= 3, key


def test_case_pages_show_the_card_and_lesson(built_site):
    for header, facts_ in sample_cases():
        soup = parse_html(built_site.output_path / header["date"][:4] / header["slug"] / "index.html")
        card = soup.select_one(".case-card")
        terms = {dt.get_text(): dt.find_next_sibling("dd") for dt in card.select("dt")}
        assert terms["Organisation"].get_text(strip=True) == facts_.organisation
        days = terms["Days to resolve"].get_text(strip=True)
        assert days == (
            str(facts_.days_to_resolve)
            if facts_.days_to_resolve is not None
            else "not resolved"
            if "unresolved" in facts_.facets["outcome"]
            else "not recorded"
        )
        for key, facet in FACETS.items():
            assert [a.get_text() for a in terms[facet["label"]].find_all("a")] == facts_.facets[key]
        # Letters and digits only: typogrify curls the lesson's quotes and joins its last words.
        assert re.sub(r"\W", "", card.select_one(".lesson").get_text()).endswith(re.sub(r"\W", "", facts_.lesson))
        filters = {(a["data-pagefind-filter"], a.get_text()) for a in card.select("[data-pagefind-filter]")}
        assert ("failure", facts_.facets["failure"][0]) in filters
        assert soup.select_one(".case-card") is soup.select_one("article .case-card")
        assert soup.select_one(".case-card").find_next(class_="post-body") is not None


def test_casebook_index_counts_match_the_content(built_site):
    cases = [c for _, c in sample_cases()]
    soup = parse_html(built_site.output_path / "cases" / "index.html")
    assert len(soup.select(".post-list > li")) == len(cases)
    for key in FACETS:
        items = soup.select(f"#facet-{key} + ul li")
        shown = {li.find("a").get_text(): int(li.select_one(".count").get_text().strip("()")) for li in items}
        assert shown == dict(facet_counts(cases, key, FACETS)), key
        for li in items:
            assert li.find("a")["href"] == f"/cases/{key}/{value_slug(li.find('a').get_text())}/"
    dates = [t["datetime"] for t in soup.select(".post-list time")]
    assert dates == sorted(dates, reverse=True)


def test_facet_pages_and_their_feeds(built_site):
    output = built_site.output_path
    cases = [c for _, c in sample_cases()]
    for key in FACETS:
        for value, count in facet_counts(cases, key, FACETS):
            page = output / "cases" / key / value_slug(value) / "index.html"
            soup = parse_html(page)
            assert len(soup.select(".post-list > li")) == count, page
            alternates = {link["href"] for link in soup.find_all("link", rel="alternate")}
            feed_base = f"/feeds/cases/{key}/{value_slug(value)}"
            assert {f"{feed_base}.atom.xml", f"{feed_base}.rss.xml"} <= alternates
            for suffix in ("atom.xml", "rss.xml"):
                parsed = feedparser.parse((output / f"{feed_base.lstrip('/')}.{suffix}").read_bytes())
                assert parsed.bozo == 0 and len(parsed.entries) == count


def test_stats_page_numbers_match_the_content(built_site):
    cases = [c for _, c in sample_cases()]
    soup = parse_html(built_site.output_path / "cases" / "stats" / "index.html")

    def table(chart_id):
        rows = soup.select(f"#{chart_id}-heading ~ .chart-pair tbody tr")
        return [[cell.get_text() for cell in row.find_all(["th", "td"])] for row in rows]

    assert table("failures") == [[v, str(n)] for v, n in facet_counts(cases, "failure", FACETS)]
    assert table("channels") == [[v, str(n)] for v, n in facet_counts(cases, "channel", FACETS)]
    days = {}
    for case in cases:
        if case.days_to_resolve is not None:
            days.setdefault(case.facets["sector"][0], []).append(case.days_to_resolve)
    assert {row[0]: (float(row[1]), int(row[2])) for row in table("days")} == {
        s: (median(d), len(d)) for s, d in days.items()
    }
    for label in soup.select("svg#days .chart-label"):  # each bar says how many cases it is
        sector, count = re.fullmatch(r"(.+) \((\d+) cases?\)", label.get_text()).groups()
        assert int(count) == len(days[sector])
    assert all(v.get_text().endswith(" days") for v in soup.select("svg#days .chart-value"))
    outcomes = FACETS["outcome"]["values"]
    expected = {}
    for case in cases:
        row = expected.setdefault(case.facets["escalation"][0], [0] * len(outcomes))
        row[outcomes.index(case.facets["outcome"][0])] += 1
    assert {row[0]: [int(n) for n in row[1:]] for row in table("outcomes")} == {
        escalation: [*counts, sum(counts)] for escalation, counts in expected.items()
    }
    for chart_id in ("failures", "channels", "outcomes", "days"):
        assert soup.select_one(f"svg#{chart_id}[role=img] title").get_text()
        assert soup.select_one(f"svg#{chart_id} desc").get_text().strip()
        assert soup.select_one(f"#{chart_id}-heading").find_next_sibling("p").get_text().strip()
    # The bars say what the tables say.
    for chart_id in ("failures", "channels"):
        bars = zip(
            soup.select(f"svg#{chart_id} .chart-label"), soup.select(f"svg#{chart_id} .chart-value"), strict=True
        )
        assert [[label.get_text(), value.get_text()] for label, value in bars] == table(chart_id)
    segments = Counter()
    for bar in soup.select("svg#outcomes rect title"):
        escalation, outcome, count = re.fullmatch(r"(.+), (.+): (\d+)", bar.get_text()).groups()
        segments[escalation, outcome] += int(count)
    assert segments == Counter(
        {
            (escalation, outcomes[index]): n
            for escalation, counts in expected.items()
            for index, n in enumerate(counts)
            if n
        }
    )


def test_a_bad_case_fails_the_build_with_every_problem(tmp_path):
    files = {
        "cases/bad.md": case_file(Sector="telcom", **{"Days-To-Resolve": "soon"}),
        "cases/worse.md": case_file(Date="someday", Escalation=None),
        "cases/good.md": GOOD,
    }
    with pytest.raises(site.BuildFailed) as raised:
        build_small_site(tmp_path, files)
    message = str(raised.value)
    assert "4 problem(s) in case stories" in message
    assert "cases/bad.md:6: Sector: 'telcom' is not allowed (telcom → telecom?)" in message
    assert "cases/bad.md:11: Days-To-Resolve: 'soon' is not a whole number" in message
    assert "cases/worse.md:2: Date: 'someday' is not a date" in message
    assert "cases/worse.md: Escalation: missing" in message


def test_new_case_and_new_post_write_complete_drafts(tmp_path):
    case = authoring.new_content(tmp_path, "cases", "A new case", FACETS, slug_subs=SLUG_SUBS)
    header = read_header(case.read_text())
    for key in ("title", "date", "summary", "organisation", "lesson", "days-to-resolve", *FACETS):
        assert key in header, key
    assert header["status"].value == "draft"
    text = case.read_text()
    for facet in FACETS.values():
        assert ", ".join(facet["values"]) in text
    post = authoring.new_content(tmp_path, "posts", "A new post", slug_subs=SLUG_SUBS)
    assert post.name == "a-new-post.md" and "Tags:" in post.read_text()
    with pytest.raises(FileExistsError, match="already exists"):
        authoring.new_content(tmp_path, "posts", "A new post", slug_subs=SLUG_SUBS)
    # Once its empty fields are filled in, the new case is valid.
    values = {
        "Tags": "billing",
        "Summary": "S.",
        "Organisation": "A bank",
        "Days-To-Resolve": "3",
        "Lesson": "L.",
        **{facet["label"]: facet["values"][0] for facet in FACETS.values()},
    }
    filled = re.sub(r"^([\w-]+): $", lambda m: f"{m[1]}: {values.get(m[1], '')}", text, flags=re.M)
    assert validate_case(read_header(filled), FACETS, "x")[1] == []


def test_invoke_new_case_writes_a_case_story_where_the_casebook_reads_them(tmp_path, monkeypatch, capsys):
    from invoke import Context

    import tasks

    load = site.load_settings
    monkeypatch.setattr(site, "load_settings", lambda *args, **overrides: load(*args, PATH=tmp_path, **overrides))
    tasks.new_case(Context(), title="Held for an hour")
    written = tmp_path / SETTINGS["CASEBOOK_PATH"] / "held-for-an-hour.md"
    assert f"Created {written}" in capsys.readouterr().out
    for facet in FACETS.values():
        assert f"{facet['label']}: " in written.read_text() and ", ".join(facet["values"]) in written.read_text()
    tasks.new_post(Context(), title="Held for an hour")
    assert (tmp_path / "posts" / "held-for-an-hour.md").exists()


def test_a_new_case_being_written_warns_but_does_not_stop_the_build(tmp_path):
    content = tmp_path / "content"
    authoring.new_content(content, "cases", "A new case", FACETS, slug_subs=SLUG_SUBS)
    result = build_small_site(tmp_path, {"posts/a.md": post("A", "Body.", slug="a")})
    drafts = [p for p in problem_lines(result) if "cases/a-new-case.md" in p and "(a draft: fill it in" in p]
    assert drafts and drafts[0].startswith("content/cases/a-new-case.md"), result.problems
    assert (result.output_path / "drafts/a-new-case/index.html").exists()


def test_an_optional_facet_added_later_builds_with_and_without_it(tmp_path):
    facets = {**FACETS, "region": {"label": "Region", "values": ["north", "south"], "required": False}}
    with_region = GOOD.replace("Title: A case", "Title: B case").replace("Lesson:", "Region: South\nLesson:")
    result = build_small_site(
        tmp_path, {"cases/a.md": GOOD, "cases/b.md": with_region}, strict=True, CASEBOOK_FACETS=facets
    )
    region_page = parse_html(result.output_path / "cases/region/south/index.html")
    assert [a.get_text().replace("\xa0", " ") for a in region_page.select(".post-list h2 a")] == ["B case"]
    cards = {
        slug: parse_html(result.output_path / f"2024/{slug}/index.html").select_one(".case-card")
        for slug in ("a-case", "b-case")
    }
    assert "Region" not in cards["a-case"].get_text() and "Region" in cards["b-case"].get_text()
