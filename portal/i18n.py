"""Languages: which one a request is in, gettext for Python and Jinja, Babel formatting.

The current locale lives in a context variable set per request by the
language middleware, so `gettext` works the same in routes, services and
templates without passing the request around.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import DateTimePattern, get_timezone, match_skeleton
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, format_currency, get_currency_precision, get_currency_symbol
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import LazyProxy, NullTranslations, Translations
from markupsafe import Markup

from portal import clock

# Latvian is the official language and the default; Russian and English for those who read them better.
# The order is the language switch's.
LOCALES: tuple[str, ...] = ("lv", "ru", "en")
DEFAULT_LOCALE = "lv"
LANGUAGE_NAMES = {"lv": "Latviešu", "ru": "Русский", "en": "English"}
LOCALES_DIR = Path(__file__).parent / "locales"
TIME_ZONE = "Europe/Riga"
LOCAL_TIME = get_timezone(TIME_ZONE)  # looked up once, not per formatted value

# The portal's English is British: "3 November 2026", "03/11/2026", 24-hour times (Babel's plain "en" is American).
BABEL_NAMES = {"en": "en_GB"}
# Babel parses a locale given by name on every call it formats; these are parsed once.
BABEL_LOCALES: dict[str, Locale] = {locale: Locale.parse(BABEL_NAMES.get(locale, locale)) for locale in LOCALES}

_current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


def other_locales(locale: str) -> tuple[str, ...]:
    """The languages the language switch offers besides the page's, in the switch's order."""
    return tuple(other for other in LOCALES if other != locale)


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


# ------------------------------------------------------------------ formatting, with patterns resolved once per locale

NAMED_FORMATS = ("full", "long", "medium", "short")
CURRENCY = "EUR"
# Babel looks a format's pattern up in the CLDR data on every call (a skeleton is even matched
# against all of the locale's), and a money amount looks up the currency's plural name it never
# shows; a table formats hundreds of cells. The patterns are resolved here once per locale and only
# applied per value, with the same results as Babel's format_* functions (tests/pages/test_static_files.py
# compares them).
DAY_PATTERNS = {"lv": "EEEE, d. MMMM", "ru": "EEEE, d MMMM", "en": "EEEE d MMMM"}
MONTH_SKELETON = "yMMMM"
# Where CLDR's pattern is not what Latvian state texts write: the month and year is "2026. gada
# novembris" (CLDR: "2026. gada. novembris"), and a date in figures has four digits of the year,
# "01.12.2026" (CLDR: "01.12.26"), as Russian's already has.
MONTH_PATTERNS = {"lv": "y. 'gada' LLLL"}
SHORT_DATE_PATTERNS = {"lv": "dd.MM.y"}


@dataclass(frozen=True)
class LocaleFormats:
    locale: Locale
    dates: dict[str, DateTimePattern]
    # format_datetime's named formats: the text that combines them ("{1} {0}"), the date's and the time's pattern.
    datetimes: dict[str, tuple[str, DateTimePattern, DateTimePattern]]
    month: DateTimePattern
    day: DateTimePattern
    number: NumberPattern
    money: NumberPattern | None  # None: the locale names the currency in words, which depend on the amount


def _money_pattern(locale: Locale) -> NumberPattern | None:
    """The locale's currency pattern with the euro's symbol and decimals already in place."""
    pattern: NumberPattern = locale.currency_formats["standard"]
    if "¤¤¤" in pattern.pattern:
        return None

    def with_symbol(text: str) -> str:  # Babel's replacements, in its order
        return text.replace("¤¤", CURRENCY).replace("¤", get_currency_symbol(CURRENCY, locale))

    digits = get_currency_precision(CURRENCY)
    return NumberPattern(
        pattern.pattern,
        (with_symbol(pattern.prefix[0]), with_symbol(pattern.prefix[1])),
        (with_symbol(pattern.suffix[0]), with_symbol(pattern.suffix[1])),
        pattern.grouping,
        pattern.int_prec,
        (digits, digits),
        pattern.exp_prec,
        pattern.exp_plus,
        pattern.number_pattern,
    )


def _locale_formats(name: str) -> LocaleFormats:
    locale = BABEL_LOCALES[name]
    skeletons = locale.datetime_skeletons
    month_skeleton = MONTH_SKELETON if MONTH_SKELETON in skeletons else match_skeleton(MONTH_SKELETON, skeletons) or MONTH_SKELETON
    dates = {format: locale.date_formats[format] for format in NAMED_FORMATS}
    if name in SHORT_DATE_PATTERNS:
        dates["short"] = parse_date_pattern(SHORT_DATE_PATTERNS[name])
    return LocaleFormats(
        locale=locale,
        dates=dates,
        datetimes={
            format: (locale.datetime_formats[format].replace("'", ""), dates[format], locale.time_formats[format])
            for format in NAMED_FORMATS
        },
        month=parse_date_pattern(MONTH_PATTERNS.get(name) or skeletons[month_skeleton]),
        day=parse_date_pattern(DAY_PATTERNS.get(name, "EEEE, d MMMM")),
        number=locale.decimal_formats[None],
        money=_money_pattern(locale),
    )


FORMATS: dict[str, LocaleFormats] = {locale: _locale_formats(locale) for locale in LOCALES}


def _formats() -> LocaleFormats:
    return FORMATS[get_locale()]


def _as_date(value: date) -> date:
    """A date as it is; an instant as the day it was in Riga (a naive one is UTC, as the database stores it):
    a case received at 00:30 in Riga was received that day, not the day before as in UTC."""
    return clock.day_of(value) if isinstance(value, datetime) else value


def _aware(value: date) -> datetime:
    """The instant Babel formats: a date is its midnight, and a naive time is UTC."""
    instant = value if isinstance(value, datetime) else datetime.combine(value, time())
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


# A list formats the same few values again and again (its dates, its hours, its counts), and a Babel
# pattern is slow to apply (tens of microseconds): each value is formatted once per locale and kept,
# a bounded number of them. Keyed on the locale and the value only, never on a request.
FORMATTED = 4096


def format_date(value: date, format: str = "long") -> str:
    return _formatted_date(get_locale(), value, format)


@lru_cache(maxsize=FORMATTED, typed=True)
def _formatted_date(locale: str, value: date, format: str) -> str:
    formats = FORMATS[locale]
    if format in formats.dates:
        return str(formats.dates[format].apply(_as_date(value), formats.locale))
    return babel_format_date(value, format=format, locale=formats.locale)


def format_month(value: date) -> str:
    """A month and its year ("2026. gada novembris", "ноябрь 2026 г.", "November 2026")."""
    formats = _formats()
    return str(formats.month.apply(_aware(value), formats.locale))


def format_day(value: date) -> str:
    """A day of a month with its weekday ("otrdiena, 3. novembris", "вторник, 3 ноября", "Tuesday 3 November")."""
    formats = _formats()
    return str(formats.day.apply(_as_date(value), formats.locale))


def format_datetime(value: datetime, format: str = "medium") -> str:
    """In Riga's time, whatever the value's zone (a naive value is UTC, as the database stores it)."""
    return _formatted_datetime(get_locale(), value, format)


@lru_cache(maxsize=FORMATTED, typed=True)
def _formatted_datetime(locale: str, value: datetime, format: str) -> str:
    formats = FORMATS[locale]
    if format not in formats.datetimes:
        return babel_format_datetime(value, format=format, tzinfo=LOCAL_TIME, locale=formats.locale)
    combined, date_pattern, time_pattern = formats.datetimes[format]
    local = _aware(value).astimezone(LOCAL_TIME)
    time_text = time_pattern.apply(local.timetz(), formats.locale, reference_date=local.date())
    return combined.replace("{0}", time_text).replace("{1}", date_pattern.apply(local.date(), formats.locale))


def format_number(value: float | int, format: str | None = None) -> str:
    return _formatted_number(get_locale(), value, format)


@lru_cache(maxsize=FORMATTED, typed=True)
def _formatted_number(locale: str, value: float | int, format: str | None) -> str:
    formats = FORMATS[locale]
    if format is None:
        return str(formats.number.apply(value, formats.locale))
    return babel_format_decimal(value, format=format, locale=formats.locale)


def format_hours(minutes: int) -> str:
    """Durations are integer minutes; people read hours ("2 stundas", "1,5 stundas")."""
    hours = minutes / 60
    if minutes % 60 == 0:
        whole = minutes // 60
        return ngettext("%(num)s hour", "%(num)s hours", whole, num=format_number(whole))
    # A fraction takes the form of 2 in every language ("1,5 stundas", "1,5 часа", "1.5 hours").
    return ngettext("%(num)s hour", "%(num)s hours", 2, num=format_number(round(hours, 2)))


def format_money(cents: int) -> str:
    """Money is integer cents; people read euros ("12,34 €")."""
    formats = _formats()
    if formats.money is None:
        return str(format_currency(cents / 100, CURRENCY, locale=formats.locale))
    return str(formats.money.apply(cents / 100, formats.locale))


def locale_display_name(locale: str) -> str:
    return LANGUAGE_NAMES.get(locale) or Locale.parse(locale).get_display_name(locale) or locale


class WrittenText(str):
    """A text someone wrote, with the language it was written in (None: not known); it is the text where a
    string is expected (a CSV cell, a comparison), and `written(text, text.lang)` on a page."""

    lang: str | None

    def __new__(cls, text: str, lang: str | None) -> WrittenText:
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def written(text: str, lang: str | None) -> Markup:
    """Text that a person or a staff member wrote, as HTML in the page: marked with the language it was
    written in where the page is in another (WCAG 3.1.2, language of parts), so that a screen reader reads
    a caseworker's Latvian reasons on a Russian page in Latvian. `lang` None: not known (written before
    the portal kept it), so the page's language is assumed."""
    if not text or not lang or lang == get_locale():
        return Markup.escape(text)
    return Markup('<span lang="{}">{}</span>').format(lang, text)


def written_in() -> str:
    """The language that text typed now is written in: the page's (the language of the form it is typed on)."""
    return get_locale()


def template_globals() -> Mapping[str, object]:
    return {
        "written": written,
        "format_date": format_date,
        "format_datetime": format_datetime,
        "format_number": format_number,
        "format_hours": format_hours,
        "format_month": format_month,
        "format_day": format_day,
        "format_money": format_money,
    }
