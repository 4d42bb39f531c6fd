"""No catalog sentence puts a person's name or a place where Latvian or Russian would have to inflect it.

A name comes from a register in the nominative ("Anna Bērziņa", "Ольга Иванова", "Rīgas valstspilsēta");
"для Ольга Иванова" or "Ассистент Ilze Ozola отправил" is wrong, and no code can fix it afterwards. So a
name or a place stands only where its case and gender do not matter, and this test reads the catalogs
(not a list of known strings) so that a new sentence that slips is caught too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "portal" / "locales"

# Placeholders that carry a person's name or a place's name.
NAMED = re.compile(r"%\((name|person|assistant|applicant|representative|caseworker|staff|recipient|handler|"
                   r"municipality|school|place|city)\)s")
ANY_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")

# Where a name may stand, in the nominative and with nothing agreeing with it:
ALLOWED = {
    # at the start of a sentence, as the label's subject: "%(name)s: application", "%(name)s, 12.03.2026"
    "first, then ':' '—' or ','": lambda before, after: re.search(r"(^|[.!?]\s+)$", before) is not None
    and re.match(r"(:|\s[—–]|,)", after) is not None,
    # the value of a label: "Assistant: %(name)s." / "Для кого: %(name)s"
    "the value after 'label:'": lambda before, after: re.search(r":\s*$", before) is not None
    and re.match(r"\s*($|[.,;)]|\n)", after) is not None,
    # a heading's last part: "Social service, %(municipality)s"
    "the last part after ','": lambda before, after: before.endswith(", ") and after == "",
}
# Russian addresses a person in the nominative: "Здравствуйте, Ольга." (Latvian would need the vocative.)
ALLOWED_IN = {"ru": {"a greeting": lambda before, after: re.search(r"Здравствуйте,\s*$", before) is not None}}


def _in_a_list_in_parentheses(text: str, start: int, end: int) -> bool:
    """'(%(name)s, %(time)s)': only placeholders and separators between the parentheses."""
    masked = ANY_PLACEHOLDER.sub(lambda placeholder: "§" * len(placeholder.group(0)), text)
    opening, closing = masked.rfind("(", 0, start), masked.find(")", end)
    if opening < 0 or closing < 0 or ")" in masked[opening:start] or "(" in masked[end:closing]:
        return False
    return re.fullmatch(r"[\s§,;–—-]*", masked[opening + 1:closing]) is not None


def misplaced(text: str, locale: str) -> list[str]:
    """The named placeholders of `text` that stand where they would need a case or a gender."""
    rules = {**ALLOWED, **ALLOWED_IN.get(locale, {})}
    found = []
    for match in NAMED.finditer(text):
        before, after = text[:match.start()], text[match.end():]
        if _in_a_list_in_parentheses(text, match.start(), match.end()):
            continue
        if not any(rule(before, after) for rule in rules.values()):
            found.append(match.group(0))
    return found


def translations(locale: str) -> list[tuple[str, str]]:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(source, string) for string in strings if string]
    return pairs


@pytest.mark.parametrize("locale", ["lv", "ru"])
def test_no_sentence_of_the_catalog_inflects_a_name_or_a_place(locale: str) -> None:
    slips = {source: string for source, string in translations(locale) if misplaced(string, locale)}
    assert slips == {}, (f"{locale}: a name or a place stands where it would need a case or a gender; put it first "
                         "before ':', after a label's ':', or in a list in parentheses")


@pytest.mark.parametrize("locale", ["lv", "ru"])
def test_the_catalog_has_sentences_with_names_to_check(locale: str) -> None:
    """The rule above reads something: the catalogs do name people and places."""
    assert sum(1 for _source, string in translations(locale) if NAMED.search(string)) >= 15


@pytest.mark.parametrize(("text", "locale"), [
    ("Заявление для %(name)s", "ru"),
    ("Ассистент %(assistant)s %(date)s отправил отчёт", "ru"),
    ("Продолжить заполнение заявления для %(name)s", "ru"),
    ("Labdien, %(name)s!", "lv"),
    ("Izlase, ko %(time)s izveidoja %(name)s: %(percent)s", "lv"),
    ("Pārskats par pakalpojumu, ko saņem %(name)s (%(month)s)", "lv"),
    ("Sociālais dienests %(municipality)s pašvaldībā", "lv"),
    ("(%(name)s pārbaudīja)", "lv"),
])
def test_a_name_that_would_need_a_case_is_found(text: str, locale: str) -> None:
    assert misplaced(text, locale)


@pytest.mark.parametrize(("text", "locale"), [
    ("Заявление: %(name)s", "ru"),
    ("Для кого: %(name)s.", "ru"),
    ("Здравствуйте, %(name)s.", "ru"),
    ("%(name)s: iesniegums", "lv"),
    ("%(name)s, %(time)s", "lv"),
    ("Pārskats (%(name)s, %(month)s) ir apstiprināts", "lv"),
    ("Sociālais dienests, %(municipality)s", "lv"),
    ("Asistents: %(assistant)s. Iemesls:", "lv"),
])
def test_a_name_where_its_case_does_not_matter_passes(text: str, locale: str) -> None:
    assert misplaced(text, locale) == []


# The questionnaires speak about the person by name ("Kā {name} pārvietojas?"): the name is always the subject,
# in the present, where neither language inflects it nor makes a verb agree with it. After a preposition it
# would need a case; before a Russian past tense the verb would need the person's gender.
AFTER_A_PREPOSITION = {
    "lv": re.compile(r"\b(ar|par|no|pie|uz|bez|priekš|pēc|līdz|starp|pret|aiz|zem|virs)\s+\{name\}", re.IGNORECASE),
    "ru": re.compile(r"\b(для|у|к|ко|о|об|обо|с|со|от|по|про|за|при|без|перед|над|под)\s+\{name\}", re.IGNORECASE),
}
RUSSIAN_PAST = re.compile(r"\{name\}\s+\w+(л|ла|ло|лся|лась)\b")


def definition_texts_about_someone() -> list[tuple[str, str, str]]:
    import tomllib

    root = LOCALES.parent
    found: list[tuple[str, str, str]] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("_other") and isinstance(value, dict):
                    found.extend((f"{where}.{key}", lang, text) for lang, text in value.items() if lang in ("lv", "ru"))
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    for folder in ("assessment/questionnaires", "surveys/definitions"):
        for path in sorted((root / folder).glob("*.toml")):
            walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    return found


def test_no_questionnaire_text_puts_the_name_where_it_would_inflect() -> None:
    texts = definition_texts_about_someone()
    assert len(texts) > 20  # the questionnaires do speak about someone by name
    slips = [(where, text) for where, lang, text in texts
             if AFTER_A_PREPOSITION[lang].search(text) or (lang == "ru" and RUSSIAN_PAST.search(text))]
    assert slips == []
    assert AFTER_A_PREPOSITION["ru"].search("Помощь для {name}") and RUSSIAN_PAST.search("Как {name} добирался?")
    assert AFTER_A_PREPOSITION["lv"].search("Palīdzība priekš {name}")


# ------------------------------------------------------------------ Latvian dates

# A Latvian date or month is written in the nominative ("2027. gada 15. janvāris", "2026. gada
# novembris"), so a sentence may not govern it: "beidzas 15. janvārī", "līdz 3. decembrim", "no 1. marta"
# each need another case. It stands as a label's value, in parentheses, or opening a period ("… –").
# Russian needs no rule: its dates are genitive ("15 января 2027 г."), as "до", "с" and a verb want.
DATED = re.compile(r"%\((date|until|start|end|day|since|month|from|to|valid_from|valid_to|when|at)\)s")


def misplaced_dates(text: str) -> list[str]:
    found = []
    for match in DATED.finditer(text):
        before, after = text[: match.start()], text[match.end():]
        if before == "" or before.endswith((": ", "(", "– ", "— ")) or after.startswith((" –", ")")):
            continue
        found.append(f"{match.group()} after {before[-25:]!r}")
    return found


def test_no_latvian_sentence_governs_a_date() -> None:
    slips = {msgid: found for msgid, text in translations("lv") if (found := misplaced_dates(text))}
    assert not slips, slips


@pytest.mark.parametrize("text", ["Asistenta pakalpojums beidzas %(date)s.", "Lūdzu, atbildiet līdz %(date)s.", "no %(date)s"])
def test_a_latvian_date_that_would_need_a_case_is_found(text: str) -> None:
    assert misplaced_dates(text)


@pytest.mark.parametrize("text", ["Atbildes termiņš: %(date)s.", "Iesniegums (aizpildīšana sākta: %(date)s)", "%(date)s – bez beigu termiņa",
                                  "Jūsu darba periods: %(start)s – %(end)s", "Pārskats (%(month)s)"])
def test_a_latvian_date_where_its_case_does_not_matter_passes(text: str) -> None:
    assert not misplaced_dates(text)
