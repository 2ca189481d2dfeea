"""Inline SVG bar charts for the casebook stats page.

Hand-written instead of pygal or matplotlib: both emit inline `style` (pygal also a
`<script>` tag pointing at a third-party host), which our Content-Security-Policy forbids,
and neither follows the theme's light/dark colours. These charts are horizontal bars and
need nothing else: colours come from CSS classes, so dark mode and print just work.
"""

from html import escape

WIDTH = 640
LABEL_WIDTH = 190
BAR_AREA = 380
ROW_HEIGHT = 30
BAR_HEIGHT = 20


def _frame(chart_id, title, description, height, body):
    return (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _format(value):
    return f"{value:g}"


def bar_chart(chart_id, title, description, rows, unit=""):
    """One bar per (label, value) row, longest bar = largest value."""
    largest = max((value for _, value in rows), default=0) or 1
    parts = []
    for index, (label, value) in enumerate(rows):
        y = index * ROW_HEIGHT
        width = max(2, round(BAR_AREA * value / largest))
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 20}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 5}" width="{width}" height="{BAR_HEIGHT}" rx="3"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" '
            f'y="{y + 20}">{_format(value)}{escape(unit)}</text>'
        )
    return _frame(chart_id, title, description, max(1, len(rows)) * ROW_HEIGHT + 6, "".join(parts))


def stacked_bar_chart(chart_id, title, description, rows, series):
    """One bar per (label, {series name: value}) row, split into `series` segments, plus a legend."""
    largest = max((sum(values.values()) for _, values in rows), default=0) or 1
    parts = []
    for index, (label, values) in enumerate(rows):
        y = index * ROW_HEIGHT
        x = LABEL_WIDTH
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 20}" text-anchor="end">{escape(label)}</text>'
        )
        for number, name in enumerate(series):
            width = round(BAR_AREA * values.get(name, 0) / largest)
            if width:
                parts.append(
                    f'<rect class="chart-bar series-{number}" x="{x}" y="{y + 5}" width="{width}" '
                    f'height="{BAR_HEIGHT}">'
                    f"<title>{escape(label)}, {escape(name)}: {values[name]}</title></rect>"
                )
                x += width
        parts.append(f'<text class="chart-value" x="{x + 6}" y="{y + 20}">{sum(values.values())}</text>')
    legend_y = len(rows) * ROW_HEIGHT + 12
    for number, name in enumerate(series):
        x = LABEL_WIDTH + number * 140
        parts.append(
            f'<rect class="chart-bar series-{number}" x="{x}" y="{legend_y}" width="14" height="14"/>'
            f'<text class="chart-legend" x="{x + 20}" y="{legend_y + 12}">{escape(name)}</text>'
        )
    return _frame(chart_id, title, description, legend_y + 24, "".join(parts))
