"""The casebook's numbers: cases per facet value, outcome by escalation, days to resolve, and
the charts of /cases/stats/ made of them. Pure functions of the cases' facts."""

from dataclasses import dataclass
from statistics import median

from .charts import bar_chart, stacked_bar_chart


@dataclass(frozen=True)
class Chart:
    """One chart of the stats page, with the table that gives its numbers."""

    id: str
    title: str
    description: str
    svg: str
    header: tuple  # the table's column headings
    rows: list  # its rows: the first cell names the row


def facet_counts(cases, key, facets):
    """[(value, count)] for every allowed value of facet `key` that is in use, most used first."""
    counts = {value: 0 for value in facets[key]["values"]}
    for case in cases:
        for value in case.facets.get(key, []):
            counts[value] += 1
    return sorted(((v, n) for v, n in counts.items() if n), key=lambda item: (-item[1], item[0]))


def outcome_by_escalation(cases, facets):
    """{escalation: {outcome: count}} in vocabulary order, escalations in use only."""
    table = {}
    for escalation in facets["escalation"]["values"]:
        row = {outcome: 0 for outcome in facets["outcome"]["values"]}
        for case in cases:
            if escalation in case.facets.get("escalation", []):
                for outcome in case.facets.get("outcome", []):
                    row[outcome] += 1
        if any(row.values()):
            table[escalation] = row
    return table


def median_days_by_sector(cases):
    """[(sector, median days, number of cases with a day count)], slowest first."""
    days = {}
    for case in cases:
        if case.days_to_resolve is not None:
            for sector in case.facets.get("sector", []):
                days.setdefault(sector, []).append(case.days_to_resolve)
    rows = [(sector, median(values), len(values)) for sector, values in days.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _bars(chart_id, title, description, bars, header, rows, unit=""):
    return Chart(chart_id, title, description, bar_chart(chart_id, title, description, bars, unit), header, rows)


def stats_charts(cases, facets):
    """The stats page's charts, in the order it shows them."""
    facts = [case.case for case in cases]
    failures = facet_counts(facts, "failure", facets)
    channels = facet_counts(facts, "channel", facets)
    outcomes = outcome_by_escalation(facts, facets)
    days = median_days_by_sector(facts)
    series = facets["outcome"]["values"]
    outcome_text = "For each escalation route, how the cases ended. Does going public get results?"
    return [
        _bars(
            "failures",
            "Cases per failure type",
            "How many cases show each kind of failure; a case can show several.",
            failures,
            ("Failure", "Cases"),
            failures,
        ),
        _bars(
            "channels",
            "Cases per channel",
            "Where customers tried to get help; a case can involve several channels.",
            channels,
            ("Channel", "Cases"),
            channels,
        ),
        Chart(
            "outcomes",
            "Outcome by escalation",
            outcome_text,
            stacked_bar_chart("outcomes", "Outcome by escalation", outcome_text, list(outcomes.items()), series),
            ("Escalation", *series, "Total"),
            [(escalation, *(row[s] for s in series), sum(row.values())) for escalation, row in outcomes.items()],
        ),
        _bars(
            "days",
            "Median days to resolve, by sector",
            "The middle number of days the sector's cases took to be resolved or partly resolved "
            "(unresolved cases have no day count). Beside each sector, how many cases that is: "
            "with one case, the median is that case's days.",
            # With a case or two per sector, a median alone would overstate what we know.
            [(f"{sector} ({count} case{'s' if count != 1 else ''})", value) for sector, value, count in days],
            ("Sector", "Median days", "Cases counted"),
            [(sector, f"{value:g}", count) for sector, value, count in days],
            unit=" days",
        ),
    ]
