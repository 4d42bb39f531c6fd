import pytest

from portal import i18n


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        ("ru", "lv-LV,lv;q=0.9", "ru"),
        (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, "en-GB,en;q=0.9,ru;q=0.5", "en"),
        (None, "de, ru;q=0.4, en;q=0.5", "en"),
        ("en", "ru", "en"),
        ("lv", "en", "lv"),
        (None, "de, lv;q=0.3, ru;q=0.2", "lv"),
        (None, "ru;q=0, lv;q=0.1", "lv"),
        (None, "en", "en"),
        (None, "de, fr", "lv"),
        (None, None, "lv"),
        ("xx", "ru", "ru"),
        (None, "ru;q=abc, lv", "lv"),
    ],
)
def test_language_negotiation(cookie: str | None, accept: str | None, expected: str) -> None:
    assert i18n.negotiate(cookie, accept) == expected


@pytest.mark.parametrize(
    ("locale", "n", "expected"),
    [
        ("lv", 1, "1 stunda"),
        ("lv", 21, "21 stunda"),
        ("lv", 2, "2 stundas"),
        ("lv", 11, "11 stundas"),
        ("lv", 0, "0 stundu"),
        ("ru", 1, "1 час"),
        ("ru", 2, "2 часа"),
        ("ru", 4, "4 часа"),
        ("ru", 5, "5 часов"),
        ("ru", 11, "11 часов"),
        ("ru", 21, "21 час"),
        ("ru", 22, "22 часа"),
        ("en", 1, "1 hour"),
        ("en", 2, "2 hours"),
        ("en", 0, "0 hours"),
        ("en", 21, "21 hours"),
    ],
)
def test_three_plural_forms(locale: str, n: int, expected: str) -> None:
    i18n.set_locale(locale)
    try:
        assert i18n.format_hours(n * 60) == expected
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_fractional_hours_are_formatted_per_locale() -> None:
    i18n.set_locale("lv")
    assert i18n.format_hours(90) == "1,5 stundas"
    i18n.set_locale("ru")
    assert i18n.format_hours(90) == "1,5 часа"
    i18n.set_locale("en")
    assert i18n.format_hours(90) == "1.5 hours"
    i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_dates_and_numbers_are_formatted_by_babel_per_locale() -> None:
    from datetime import date

    i18n.set_locale("lv")
    assert i18n.format_date(date(2026, 11, 22)) == "2026. gada 22. novembris"
    assert i18n.format_number(1234.5) == "1\xa0234,5"
    i18n.set_locale("ru")
    assert i18n.format_date(date(2026, 11, 22)).replace("\u202f", " ") == "22 ноября 2026 г."
    assert i18n.format_number(1234567.5).replace("\xa0", " ") == "1 234 567,5"
    i18n.set_locale(i18n.DEFAULT_LOCALE)


# The forms Latvian and Russian state texts use, and British English, pinned: a change in Babel's CLDR data shows here.
PINNED = {
    "lv": {"month": "2026. gada novembris", "short": "03.11.2026", "long": "2026. gada 3. novembris",
           "datetime": "01.12.2026 10:08", "day": "otrdiena, 3. novembris", "money": "1\xa0234,50\xa0€"},
    "ru": {"month": "ноябрь 2026 г.", "short": "03.11.2026", "long": "3 ноября 2026 г.",
           "datetime": "01.12.2026, 10:08", "day": "вторник, 3 ноября", "money": "1\xa0234,50\xa0€"},
    "en": {"month": "November 2026", "short": "03/11/2026", "long": "3 November 2026",
           "datetime": "01/12/2026, 10:08", "day": "Tuesday 3 November", "money": "€1,234.50"},
}


@pytest.mark.parametrize("locale", PINNED)
def test_dates_and_money_in_the_forms_state_texts_use(locale: str) -> None:
    from datetime import UTC, date, datetime

    expected = PINNED[locale]
    with i18n.in_locale(locale):
        day = date(2026, 11, 3)
        found = {"month": i18n.format_month(day), "short": i18n.format_date(day, "short"), "long": i18n.format_date(day),
                 "datetime": i18n.format_datetime(datetime(2026, 12, 1, 8, 8, tzinfo=UTC), "short"),
                 "day": i18n.format_day(day), "money": i18n.format_money(123450)}
    assert {key: value.replace("\u202f", " ") for key, value in found.items()} == expected


def test_a_value_formatted_once_is_formatted_again_in_each_locale_as_its_own() -> None:
    """The formatted values are kept (i18n.FORMATTED), keyed on the locale: the same date, instant and
    number, asked for in turn in each language and again, are each language's own every time; an int
    and the float equal to it are kept apart."""
    from datetime import UTC, date, datetime

    day, instant = date(2026, 11, 3), datetime(2026, 12, 1, 8, 8, tzinfo=UTC)
    for _round in range(2):
        for locale, expected in PINNED.items():
            with i18n.in_locale(locale):
                assert i18n.format_date(day, "short") == expected["short"]
                assert i18n.format_datetime(instant, "short").replace("\u202f", " ") == expected["datetime"]
                assert i18n.format_number(1234.5).replace("\xa0", " ") == {"lv": "1 234,5", "ru": "1 234,5", "en": "1,234.5"}[locale]
    with i18n.in_locale("lv"):
        assert (i18n.format_number(2), i18n.format_number(2.5), i18n.format_number(2.0)) == ("2", "2,5", "2")


def test_an_instant_is_dated_by_the_day_it_was_in_riga() -> None:
    """A date is formatted as it is; an instant (aware, or naive UTC as the database stores it) as the day
    it was in Riga: 22:30 UTC on 3 November is 00:30 on the 4th there (winter: UTC+2)."""
    from datetime import UTC, date, datetime

    with i18n.in_locale("lv"):
        assert i18n.format_date(datetime(2026, 11, 3, 22, 30, tzinfo=UTC), "short") == "04.11.2026"
        assert i18n.format_date(datetime(2026, 11, 3, 22, 30), "short") == "04.11.2026"
        assert i18n.format_date(datetime(2026, 11, 3, 21, 59, tzinfo=UTC), "short") == "03.11.2026"
        assert i18n.format_date(date(2026, 11, 3), "short") == "03.11.2026"
        assert i18n.format_day(datetime(2026, 7, 3, 21, 30, tzinfo=UTC)) == "sestdiena, 4. jūlijs"  # summer: UTC+3
