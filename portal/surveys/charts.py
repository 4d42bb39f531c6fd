"""Bar charts drawn on the server as SVG: a title, a description that says what the chart shows,
and bars labelled in words. The table beside each chart carries the same figures as text."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, BAR, GAP, LABEL = 640, 26, 10, 250


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[tuple[str, int | None, str]]) -> str:
    """bars: (label, count or None when not shown, the figure in words)."""
    largest = max((count or 0 for _label, count, _text in bars), default=0) or 1
    height = len(bars) * (BAR + GAP) + GAP
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, (label, count, text) in enumerate(bars):
        y = GAP + index * (BAR + GAP)
        length = 0 if count is None else max(2, round((WIDTH - LABEL - 90) * count / largest))
        parts.append(f'<text class="chart__label" x="0" y="{y + BAR * 0.7:.0f}">{escape(label[:38])}</text>')
        parts.append(f'<rect class="chart__bar" x="{LABEL}" y="{y}" width="{length}" height="{BAR}"></rect>')
        parts.append(f'<text class="chart__value" x="{LABEL + length + 6}" y="{y + BAR * 0.7:.0f}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)
