"""Bar charts of survey results: each bar's label, its figure in words, and its length. They are drawn
in HTML by the `bar_chart` macro (templates/components/content.html), so that the labels wrap and
the text follows the text size; the table beside each chart carries the same figures as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the figure in words, "6 (75 %)" or "fewer than 5"
    percent: float  # the bar's length, as a share of the longest bar's: 0-100


def bars(rows: Sequence[tuple[str, int | None, str]]) -> list[Bar]:
    """rows: (label, count or None when not shown, the figure in words). A count shown is at least a
    sliver (2 %), so that a small one is not read as none; one not shown has no bar at all."""
    largest = max((count or 0 for _label, count, _text in rows), default=0) or 1
    return [Bar(label, text, 0.0 if count is None else max(2.0, round(100 * count / largest, 1))) for label, count, text in rows]
