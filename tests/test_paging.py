"""The keyset cursor: every key reads back as it was written, and nothing else reads as a key."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from portal.forms import MAX_INT
from portal.paging import cursor_text, read_cursor

times = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))
names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1f"), max_size=60)


@given(times, st.integers(0, MAX_INT))
def test_a_time_and_an_id_read_back(at: datetime, row_id: int) -> None:
    assert read_cursor(cursor_text((at, row_id)), "ti") == (at, row_id)


@given(names, names, st.dates(), st.integers(0, MAX_INT))
def test_names_a_date_and_an_id_read_back(family: str, given_name: str, day: date, row_id: int) -> None:
    key = (family, given_name, day, row_id)
    assert read_cursor(cursor_text(key), "ssdi") == key


@given(st.text(max_size=80))
def test_anything_else_is_no_cursor_or_a_key_of_the_kinds_asked(text: str) -> None:
    found = read_cursor(text, "ti")
    assert found is None or (isinstance(found[0], datetime) and isinstance(found[1], int) and 0 <= found[1] <= MAX_INT)


def test_a_key_of_other_kinds_is_no_cursor() -> None:
    written = cursor_text((date(2026, 11, 1), 5))
    assert read_cursor(written, "ti") is None and read_cursor(written, "di") == (date(2026, 11, 1), 5)
    assert read_cursor(cursor_text((1, 2, 3)), "ii") is None
    assert read_cursor(cursor_text((MAX_INT + 1,)), "i") is None
