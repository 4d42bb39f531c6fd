"""Languages: which one a request is in, gettext for Python and Jinja, Babel formatting.

The current locale lives in a context variable set per request by the
language middleware, so `gettext` works the same in routes, services and
templates without passing the request around.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton, get_timezone
from babel.numbers import format_currency
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import LazyProxy, NullTranslations, Translations

LOCALES: tuple[str, ...] = ("lv", "ru")
DEFAULT_LOCALE = "lv"
LANGUAGE_NAMES = {"lv": "Latviešu", "ru": "Русский"}
LOCALES_DIR = Path(__file__).parent / "locales"
TIME_ZONE = "Europe/Riga"
LOCAL_TIME = get_timezone(TIME_ZONE)  # looked up once, not per formatted value

# Babel parses a locale given by name on every call it formats; these are parsed once.
BABEL_LOCALES: dict[str, Locale] = {locale: Locale.parse(locale) for locale in LOCALES}

_current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


def _babel_locale() -> Locale:
    return BABEL_LOCALES[get_locale()]


def other_locale(locale: str) -> str:
    return "ru" if locale == "lv" else "lv"


def set_locale(locale: str) -> None:
    _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current_locale.get()


@contextmanager
def in_locale(locale: str | None) -> Iterator[None]:
    """Words for someone else than the page's reader (a notice in the language the person chose)."""
    before = get_locale()
    set_locale(locale or DEFAULT_LOCALE)
    try:
        yield
    finally:
        set_locale(before)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog; in a source checkout whose .mo is missing or older, the .po read directly."""
    mo_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.mo"
    po_path = mo_path.with_suffix(".po")
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file)
    if po_path.exists():
        from io import BytesIO

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer)
    return NullTranslations()


def gettext(message: str, **variables: object) -> str:
    text = translations(get_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(get_locale()).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """For messages defined at import time (form labels, enum captions)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def negotiate(cookie_value: str | None, accept_language: str | None) -> str:
    """The language for `/`: the cookie, then Accept-Language, else Latvian."""
    if cookie_value in LOCALES:
        return cookie_value
    if accept_language:
        for tag in _accept_language_tags(accept_language):
            primary = tag.split("-")[0]
            if primary in LOCALES:
                return primary
    return DEFAULT_LOCALE


def _accept_language_tags(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(weighted)]


def format_date(value: date, format: str = "long") -> str:
    return babel_format_date(value, format=format, locale=_babel_locale())


def format_month(value: date) -> str:
    """A month and its year ("2026. g. novembris", "ноябрь 2026 г.")."""
    return str(format_skeleton("yMMMM", value, locale=_babel_locale()))


def format_day(value: date) -> str:
    """A day of a month with its weekday ("otrdiena, 3. novembris", "вторник, 3 ноября")."""
    pattern = {"lv": "EEEE, d. MMMM", "ru": "EEEE, d MMMM"}.get(get_locale(), "EEEE, d MMMM")
    return babel_format_date(value, format=pattern, locale=_babel_locale())


def format_datetime(value: datetime, format: str = "medium") -> str:
    return babel_format_datetime(value, format=format, tzinfo=LOCAL_TIME, locale=_babel_locale())


def format_number(value: float | int, format: str | None = None) -> str:
    return babel_format_decimal(value, format=format, locale=_babel_locale())


def format_hours(minutes: int) -> str:
    """Durations are integer minutes; people read hours ("2 stundas", "1,5 stundas")."""
    hours = minutes / 60
    if minutes % 60 == 0:
        whole = minutes // 60
        return ngettext("%(num)s hour", "%(num)s hours", whole, num=format_number(whole))
    # A fraction takes the form of 2 in both languages ("1,5 stundas", "1,5 часа").
    return ngettext("%(num)s hour", "%(num)s hours", 2, num=format_number(round(hours, 2)))


def format_money(cents: int) -> str:
    """Money is integer cents; people read euros ("12,34 €")."""
    return str(format_currency(cents / 100, "EUR", locale=_babel_locale()))


def locale_display_name(locale: str) -> str:
    return LANGUAGE_NAMES.get(locale) or Locale.parse(locale).get_display_name(locale) or locale


def template_globals() -> Mapping[str, object]:
    return {
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_number": format_number,
        "format_hours": format_hours,
        "format_month": format_month,
        "format_day": format_day,
        "format_money": format_money,
    }
