"""The one boundary where a POST's input enters the portal, and the fields that declare it.

Every POST is read by `read_body` (strict UTF-8, once per request) and then by the fields a
form declares, each of which returns its typed value, what to show again, and its errors at
the field. What no field declares is never read. A field refuses, with a message at the field:
NUL and other control characters, U+FFFD (the mark of a broken encoding), a value sent twice,
text over its length, and numbers that are not ASCII digits or not within the column's range.

A declared form is a class:

    class NoteForm(Form):
        note = Text(max_length=2000, required=_l("Write the note"))

    form = await NoteForm.read(request)      # form.note is a str; form.errors is [(field, message)]

Pages built from data (questionnaires, surveys) declare their fields as a dict and call
`read_fields(body, fields)`; the fields are the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar, overload
from urllib.parse import parse_qsl

from babel.support import LazyProxy
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from portal.i18n import lazy_gettext as _l

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)
Errors = list[tuple[str, str]]  # (field id, message), in the form's order
Message = str | LazyProxy

# The largest value of an INTEGER column on PostgreSQL: ids and counts never go beyond it.
MAX_INT = 2**31 - 1
MAX_FIELDS = 1000
MAX_FILES = 20
MAX_FILE_BYTES = 10 * 1024 * 1024
_ASCII_INTEGER = re.compile(r"[0-9]{1,10}")
_SPACES = re.compile(r"\s+")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
_BODY_KEY = "portal.body"


class UnreadableBody(HTTPException):
    """A body that is not valid UTF-8 or not a form at all: answered with the 400 page."""

    def __init__(self) -> None:
        super().__init__(400)


class Body:
    """The fields of one POST as sent: names with one value each, or several, in order."""

    def __init__(self, items: Sequence[tuple[str, str | UploadFile]]) -> None:
        self._values: dict[str, list[str | UploadFile]] = {}
        for name, value in items:
            self._values.setdefault(name, []).append(value)

    def values(self, name: str) -> list[str | UploadFile]:
        return list(self._values.get(name, ()))

    def texts(self, name: str) -> list[str]:
        """The field's values that are text (a file sent where text belongs is not)."""
        return [value for value in self._values.get(name, ()) if isinstance(value, str)]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def names(self) -> Iterator[str]:
        return iter(self._values)


class _StrictMultiPartParser(MultiPartParser):
    """Starlette's parser decodes a part that is not UTF-8 as Latin-1; here it is refused."""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._current_part.content_disposition)
        for key in (b"name", b"filename"):
            if key in options:
                _utf8(options[key])
        super().on_headers_finished()

    def on_part_end(self) -> None:
        if self._current_part.file is None:
            _utf8(self._current_part.data)
        super().on_part_end()


def _utf8(raw: bytes | bytearray) -> str:
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBody() from None


async def read_body(request: Request) -> Body:
    """The POST's fields, decoded strictly; read once and kept on the request's own scope."""
    kept = request.scope.get(_BODY_KEY)
    if isinstance(kept, Body):
        return kept
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    items: list[tuple[str, str | UploadFile]]
    if media_type == "multipart/form-data":
        parser = _StrictMultiPartParser(
            request.headers, request.stream(), max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FILE_BYTES
        )
        try:
            form = await parser.parse()
        except MultiPartException:
            raise UnreadableBody() from None
        items = list(form.multi_items())
    elif media_type in ("application/x-www-form-urlencoded", ""):
        text = _utf8(await request.body())
        try:
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise UnreadableBody() from None
        items = list(pairs)
    else:
        raise UnreadableBody()
    body = Body(items)
    request.scope[_BODY_KEY] = body
    return body


# ------------------------------------------------------------------ the fields

SENT_TWICE = _l("Answer this once")
UNREADABLE_CHARACTERS = _l("Remove the characters that cannot be typed, such as control characters")
CHOOSE_ONE = _l("Select one of the answers shown")


def readable(text: str) -> bool:
    """Text a person can type: no control characters but tabs and line breaks (one-line text makes them
    spaces), no surrogates or unassigned code points, no U+FFFD."""
    for character in text:
        if character == "\ufffd":
            return False
        if unicodedata.category(character) in ("Cc", "Cs", "Co", "Cn") and character not in _ALLOWED_CONTROLS:
            return False
    return True


def ascii_integer(text: str, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """The number written in ASCII digits, within [minimum, maximum]; else None ("²", "٣", "1e3" are not numbers)."""
    text = text.strip()
    if not _ASCII_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What a field made of the body: its value, what to show again in the form, what is wrong."""

    value: T
    shown: Any
    errors: Errors = field(default_factory=list)


class Field(Generic[T]):
    """One declared input. Subclasses say how the sent text becomes a value."""

    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def read(self, name: str, body: Body) -> Reading[T]:
        raise NotImplementedError

    @overload
    def __get__(self, form: None, owner: type) -> Self: ...
    @overload
    def __get__(self, form: Form, owner: type) -> T: ...
    def __get__(self, form: Form | None, owner: type) -> Self | T:
        if form is None:
            return self
        value: T = form.values[self.name]
        return value


def _single(name: str, body: Body) -> tuple[str | None, Errors]:
    """The one text sent for the field ("" when none): a second value or an unreadable one is an error."""
    sent = body.values(name)
    if len(sent) > 1:
        return None, [(name, str(SENT_TWICE))]
    if not sent:
        return "", []
    value = sent[0]
    if not isinstance(value, str):
        return None, [(name, str(CHOOSE_ONE))]
    if not readable(value):
        return None, [(name, str(UNREADABLE_CHARACTERS))]
    return value, []


@dataclass
class Text(Field[str]):
    """Free text: trimmed (one-line text has its runs of spaces made one), at most `max_length` characters."""

    max_length: int
    required: Message | None = None
    too_long: Message | None = None
    multiline: bool = False

    def read(self, name: str, body: Body) -> Reading[str]:
        value, errors = _single(name, body)
        if value is None:
            return Reading("", "", errors)
        value = value.strip() if self.multiline else _SPACES.sub(" ", value).strip()
        if self.required and not value:
            return Reading(value, value, [(name, str(self.required))])
        if len(value) > self.max_length:
            message = self.too_long or _l("The text must be %(num)s characters or fewer", num=self.max_length)
            return Reading(value[: self.max_length], value, [(name, str(message))])
        return Reading(value, value, [])


@dataclass
class Integer(Field[int | None]):
    """A whole number in ASCII digits within [minimum, maximum]; None when nothing was typed and it is optional."""

    minimum: int
    maximum: int
    invalid: Message
    required: Message | None = None

    def __post_init__(self) -> None:
        assert 0 <= self.minimum <= self.maximum <= MAX_INT, "an integer field stays within an INTEGER column"

    def read(self, name: str, body: Body) -> Reading[int | None]:
        value, errors = _single(name, body)
        if value is None:
            return Reading(None, "", errors)
        value = value.strip()
        if not value:
            return Reading(None, "", [(name, str(self.required))] if self.required else [])
        number = ascii_integer(value, self.minimum, self.maximum)
        return Reading(number, value, [] if number is not None else [(name, str(self.invalid))])


@dataclass
class Choice(Field[str]):
    """One of the allowed values ("" when none was chosen and it is optional); anything else is an error."""

    allowed: Sequence[str] | Callable[[], Sequence[str]]
    required: Message | None = None

    def options(self) -> Sequence[str]:
        return self.allowed() if callable(self.allowed) else self.allowed

    def read(self, name: str, body: Body) -> Reading[str]:
        value, errors = _single(name, body)
        if value is None:
            return Reading("", "", errors)
        value = value.strip()
        if value in self.options():
            return Reading(value, value, [])
        if not value:
            return Reading("", "", [(name, str(self.required))] if self.required else [])
        return Reading("", "", [(name, str(self.required or CHOOSE_ONE))])


@dataclass
class EnumChoice(Field[E | None], Generic[E]):
    """One member of a string enum; None when none was chosen (an error when required)."""

    enum: type[E]
    required: Message | None = None
    excluded: Sequence[E] = ()

    def read(self, name: str, body: Body) -> Reading[E | None]:
        allowed = [member.value for member in self.enum if member not in self.excluded]
        reading = Choice(allowed, self.required).read(name, body)
        return Reading(self.enum(reading.value) if reading.value else None, reading.shown, reading.errors)


@dataclass
class Choices(Field[list[str]]):
    """Ticked boxes: those that are on offer, in the order offered; anything else is ignored."""

    allowed: Sequence[str] | Callable[[], Sequence[str]]
    required: Message | None = None

    def read(self, name: str, body: Body) -> Reading[list[str]]:
        allowed = self.allowed() if callable(self.allowed) else self.allowed
        sent = set(body.texts(name))
        chosen = [value for value in allowed if value in sent]
        if self.required and not chosen:
            return Reading(chosen, chosen, [(name, str(self.required))])
        return Reading(chosen, chosen, [])


@dataclass
class Flag(Field[bool]):
    """A single checkbox (or button) whose value is `value`."""

    value: str = "yes"
    required: Message | None = None

    def read(self, name: str, body: Body) -> Reading[bool]:
        given = self.value in body.texts(name)
        if self.required and not given:
            return Reading(False, False, [(name, str(self.required))])
        return Reading(given, given, [])


ENTER_A_REAL_DATE = _l("Enter a real date")
DATE_PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class DateValue:
    """A date typed as day, month and year: the date, the parts as typed, and which parts are wrong."""

    value: date | None
    typed: dict[str, str]
    wrong: tuple[str, ...] = ()


@dataclass
class DateParts(Field[date | None]):
    """A date in three inputs, `{name}-day`, `{name}-month`, `{name}-year` (the date_input macro).

    The error is at the first wrong part; `Form.wrong_parts` says which parts the macro marks.
    """

    required: Message | None = None
    earliest: date = date(1900, 1, 1)
    latest: date = date(2200, 12, 31)

    def read(self, name: str, body: Body) -> Reading[date | None]:
        parsed = self.parse(name, body)
        if parsed.wrong:
            return Reading(None, parsed, [(f"{name}-{parsed.wrong[0]}", str(ENTER_A_REAL_DATE))])
        if parsed.value is None and self.required:
            return Reading(None, parsed, [(f"{name}-day", str(self.required))])
        return Reading(parsed.value, parsed, [])

    def parse(self, name: str, body: Body) -> DateValue:
        typed: dict[str, str] = {}
        wrong: list[str] = []
        for part in DATE_PARTS:
            sent, errors = _single(f"{name}-{part}", body)
            typed[part] = (sent or "").strip()
            if errors:
                wrong.append(part)
        if wrong:
            return DateValue(None, typed, tuple(wrong))
        if not any(typed.values()):
            return DateValue(None, typed)
        limits = {"day": 31, "month": 12, "year": self.latest.year}
        numbers = {part: ascii_integer(typed[part], 1, limits[part]) for part in DATE_PARTS}
        wrong = [part for part in DATE_PARTS if numbers[part] is None]
        if not wrong and len(typed["year"]) != 4:
            wrong = ["year"]
        if wrong:
            return DateValue(None, typed, tuple(wrong))
        day, month, year = numbers["day"], numbers["month"], numbers["year"]
        assert day is not None and month is not None and year is not None
        try:
            value = date(year, month, day)
        except ValueError:
            return DateValue(None, typed, ("day",))
        if not self.earliest <= value <= self.latest:
            return DateValue(None, typed, ("year",))
        return DateValue(value, typed)


@dataclass
class Upload(Field[UploadFile | None]):
    """One file; None when none was chosen. Its type and size are checked where it is stored."""

    def read(self, name: str, body: Body) -> Reading[UploadFile | None]:
        sent = body.values(name)
        files = [value for value in sent if isinstance(value, UploadFile) and value.filename]
        if len(files) > 1:
            return Reading(None, None, [(name, str(SENT_TWICE))])
        return Reading(files[0] if files else None, None, [])


@dataclass
class Uploads(Field[list[UploadFile]]):
    """The files of one input that takes several (`multiple`), in the order sent; an input left empty sends none.

    Text sent under the name is no file and is ignored. Their type and size are checked where they are stored.
    """

    def read(self, name: str, body: Body) -> Reading[list[UploadFile]]:
        files = [value for value in body.values(name) if isinstance(value, UploadFile) and value.filename]
        return Reading(files, None, [])


# ------------------------------------------------------------------- the forms


@dataclass
class Readings:
    """Every declared field's value, what to show again, and the errors in the declared order."""

    values: dict[str, Any]
    shown: dict[str, Any]
    errors: Errors

    @property
    def wrong_parts(self) -> dict[str, tuple[str, ...]]:
        """For each date field with an error, the parts the date macro marks (empty: the whole date)."""
        return {
            name: shown.wrong
            for name, shown in self.shown.items()
            if isinstance(shown, DateValue) and any(field_id.startswith(f"{name}-") for field_id, _ in self.errors)
        }


def read_fields(body: Body, fields: Mapping[str, Field[Any]]) -> Readings:
    values: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    errors: Errors = []
    for name, declared in fields.items():
        reading = declared.read(name, body)
        values[name], shown[name] = reading.value, reading.shown
        errors.extend(reading.errors)
    return Readings(values, shown, errors)


class Form:
    """A declared form: its fields are class attributes; an instance is one submission, read."""

    fields: ClassVar[dict[str, Field[Any]]] = {}

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        inherited = {name: f for base in reversed(cls.__mro__[1:]) for name, f in vars(base).items() if isinstance(f, Field)}
        cls.fields = inherited | {name: f for name, f in vars(cls).items() if isinstance(f, Field)}

    def __init__(self, readings: Readings) -> None:
        self.readings = readings
        self.values = readings.values
        self.shown = readings.shown
        self.errors = readings.errors

    @property
    def wrong_parts(self) -> dict[str, tuple[str, ...]]:
        return self.readings.wrong_parts

    @classmethod
    def from_body(cls, body: Body) -> Self:
        form = cls(read_fields(body, cls.fields))
        form.errors.extend(form.check())
        return form

    @classmethod
    async def read(cls, request: Request) -> Self:
        return cls.from_body(await read_body(request))

    @classmethod
    def from_query(cls, request: Request) -> Self:
        """A GET's fields (a worklist's filters), read as a form's: from the query string, decoded by Starlette."""
        return cls.from_body(Body(request.query_params.multi_items()))

    def check(self) -> Errors:
        """Rules between this form's own fields (an end before its start); the regulation's rules are the services'."""
        return []

    def error(self, field_id: str, message: Message) -> None:
        """Add a problem (the service's, say) at its field, in the page's order of fields."""
        rank = self._rank(field_id)
        at = next((n for n, (other, _) in enumerate(self.errors) if self._rank(other) > rank), len(self.errors))
        self.errors.insert(at, (field_id, str(message)))

    def _rank(self, field_id: str) -> int:
        names = list(self.fields)
        return next((n for n, name in enumerate(names) if field_id == name or field_id.startswith(f"{name}-")), len(names))

    @property
    def ok(self) -> bool:
        return not self.errors
