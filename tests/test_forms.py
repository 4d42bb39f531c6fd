"""The input boundary: strict decoding, and the fields' refusals at the field."""

from __future__ import annotations

import io
from datetime import date

import pytest
from starlette.datastructures import UploadFile

from portal import i18n
from portal.forms import (
    MAX_INT,
    SENT_TWICE,
    Body,
    Choice,
    Choices,
    DateParts,
    Form,
    Integer,
    Text,
    Upload,
    Uploads,
    ascii_integer,
    read_fields,
    readable,
)


@pytest.fixture(autouse=True)
def latvian() -> None:
    i18n.set_locale("lv")


class Sample(Form):
    name = Text(max_length=20, required="Enter the name")
    note = Text(max_length=50, multiline=True)
    hours = Integer(minimum=1, maximum=160, invalid="Enter whole hours", required="Enter the hours")
    kind = Choice(("a", "b"), required="Select the kind")
    days = Choices(("mon", "tue"))
    start = DateParts(required="Enter the first day")


GOOD = [("name", "  Anna   Bērziņa "), ("note", "line one\r\nline two"), ("hours", "80"), ("kind", "a"),
        ("days", "tue"), ("days", "sun"), ("start-day", "1"), ("start-month", "2"), ("start-year", "2026")]


def test_a_good_form_is_read_into_typed_values() -> None:
    form = Sample.from_body(Body(GOOD))
    assert form.ok, form.errors
    assert (form.name, form.hours, form.kind, form.days, form.start) == ("Anna Bērziņa", 80, "a", ["tue"], date(2026, 2, 1))
    assert form.note == "line one\r\nline two"


@pytest.mark.parametrize("hostile", ["²", "①", "٣", "12345678901234567890", "-1", "0", "161", "1e2", " ", "8 0"])
def test_integers_are_ascii_digits_within_range(hostile: str) -> None:
    form = Sample.from_body(Body([("hours", hostile)]))
    assert form.hours is None
    assert ("hours", "Enter the hours" if not hostile.strip() else "Enter whole hours") in form.errors


@pytest.mark.parametrize("hostile", ["a\x00b", "\x1b[2J", "broken \ufffd", "\ud800"])
def test_control_characters_and_replacement_characters_are_refused_at_the_field(hostile: str) -> None:
    form = Sample.from_body(Body([("name", hostile), ("note", hostile)]))
    assert form.name == "" and form.note == ""
    fields = [field for field, _ in form.errors]
    assert "name" in fields and "note" in fields


def test_a_field_sent_twice_is_an_error_not_a_choice() -> None:
    form = Sample.from_body(Body([("kind", "a"), ("kind", "b"), ("hours", "1"), ("hours", "2")]))
    assert form.kind == "" and form.hours is None
    assert ("hours", str(SENT_TWICE)) in form.errors and ("kind", str(SENT_TWICE)) in form.errors


def test_missing_fields_are_validation_errors() -> None:
    form = Sample.from_body(Body([]))
    assert [field for field, _ in form.errors] == ["name", "hours", "kind", "start-day"]


def test_text_over_its_length_is_kept_to_show_again_with_a_message() -> None:
    form = Sample.from_body(Body([("name", "x" * 20_000)]))
    assert form.shown["name"] == "x" * 20_000
    assert len(form.name) == 20
    assert any(field == "name" for field, _ in form.errors)


@pytest.mark.parametrize(
    ("day", "month", "year", "wrong"),
    [("30", "2", "2026", "day"), ("1", "99999999999999999999", "2026", "month"), ("1", "1", "26", "year"),
     ("²", "1", "2026", "day"), ("1", "1", "0001", "year"), ("1", "13", "2026", "month"),
     ("٣", "1", "2026", "day"), ("1", "①", "2026", "month"), ("1", "1", "２０２６", "year")],
)
def test_dates_name_the_wrong_part(day: str, month: str, year: str, wrong: str) -> None:
    readings = read_fields(Body([("start-day", day), ("start-month", month), ("start-year", year)]), {"start": DateParts()})
    assert readings.values["start"] is None
    assert readings.errors and readings.errors[0][0] == f"start-{wrong}"
    assert wrong in readings.wrong_parts["start"]


def test_ascii_integer_and_readable() -> None:
    assert ascii_integer(str(MAX_INT)) == MAX_INT
    assert ascii_integer(str(MAX_INT + 1)) is None
    assert readable("Rīga,\tĒdoles iela\r\n") is True
    assert readable("bell\x07") is False
    assert readable("Ольга Иванова") is True


def _file(name: str) -> UploadFile:
    return UploadFile(file=io.BytesIO(b"%PDF-"), filename=name)


def test_uploads_are_the_files_sent_in_order_and_upload_is_one_file() -> None:
    first, second, empty = _file("a.pdf"), _file("b.pdf"), _file("")
    body = Body([("documents", first), ("documents", "not a file"), ("documents", empty), ("documents", second)])
    readings = read_fields(body, {"documents": Uploads(), "missing": Uploads()})
    assert readings.values == {"documents": [first, second], "missing": []} and readings.errors == []
    one = read_fields(body, {"documents": Upload()})
    assert one.values["documents"] is None and one.errors == [("documents", str(SENT_TWICE))]
    assert read_fields(Body([("document", first), ("document", empty)]), {"document": Upload()}).values["document"] is first


def test_a_return_address_is_a_page_of_the_portal_and_nothing_more() -> None:
    from portal.eid.routes import safe_next

    assert safe_next("/lv/reports?for=3") == "/lv/reports?for=3"
    assert safe_next("/en/reports?for=3") == "/en/reports?for=3"
    for hostile in ("/lv/dashboard%0A", "/lv/dashboard\n", "//evil.example/lv/", "https://evil.example/lv/", "/de/x"):
        assert safe_next(hostile) != hostile
