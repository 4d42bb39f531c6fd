"""Names, personal codes, addresses and texts for `python -m bench.national`: varied, plausible, deterministic.

Names are as the population register writes them: Latvian names in Latvian; Russian speakers
mostly in Cyrillic (as the demo's Ольга Иванова is), some in the register's Latvian spelling
(Jeļena Ivanova). Family names have their male and female forms.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from portal.people.personal_code import check_digit, parse

LATVIAN_MALE = (
    "Jānis", "Andris", "Mārtiņš", "Edgars", "Kārlis", "Roberts", "Artūrs", "Aigars", "Raivis", "Gints", "Valdis",
    "Uldis", "Juris", "Ivars", "Normunds", "Dainis", "Krišjānis", "Rūdolfs", "Ēriks", "Oskars", "Gustavs", "Emīls",
    "Ralfs", "Markuss", "Daniels", "Dāvis", "Toms", "Niks", "Kristaps", "Pēteris", "Māris", "Guntis", "Aivars",
)
LATVIAN_FEMALE = (
    "Anna", "Līga", "Ilze", "Inese", "Kristīne", "Laura", "Elīza", "Marta", "Sanita", "Dace", "Ieva", "Baiba", "Zane",
    "Linda", "Santa", "Agnese", "Evija", "Jolanta", "Rita", "Gunta", "Daiga", "Solvita", "Ērika", "Emīlija", "Sofija",
    "Alise", "Paula", "Katrīna", "Madara", "Līva", "Anete", "Ināra", "Vija",
)
Families = tuple[tuple[str, str], ...]  # (male, female) forms
LATVIAN_FAMILY: Families = (
    ("Bērziņš", "Bērziņa"), ("Kalniņš", "Kalniņa"), ("Ozols", "Ozola"), ("Jansons", "Jansone"), ("Liepiņš", "Liepiņa"),
    ("Krūmiņš", "Krūmiņa"), ("Zariņš", "Zariņa"), ("Balodis", "Balode"), ("Vītols", "Vītola"), ("Kļaviņš", "Kļaviņa"),
    ("Eglītis", "Eglīte"), ("Pētersons", "Pētersone"), ("Vanags", "Vanaga"), ("Ziemelis", "Ziemele"), ("Lāčis", "Lāce"),
    ("Siliņš", "Siliņa"), ("Grīnbergs", "Grīnberga"), ("Zvirbulis", "Zvirbule"), ("Freimanis", "Freimane"),
    ("Kārkliņš", "Kārkliņa"), ("Rozenbergs", "Rozenberga"), ("Šmits", "Šmite"), ("Avotiņš", "Avotiņa"), ("Vilks", "Vilka"),
    ("Gailītis", "Gailīte"), ("Āboliņš", "Āboliņa"), ("Ķēniņš", "Ķēniņa"), ("Priedītis", "Priedīte"),
    ("Jēkabsons", "Jēkabsone"), ("Strazdiņš", "Strazdiņa"), ("Dūmiņš", "Dūmiņa"), ("Sproģis", "Sproģe"),
)
RUSSIAN_MALE = (
    "Александр", "Сергей", "Андрей", "Дмитрий", "Алексей", "Владимир", "Николай", "Игорь", "Михаил", "Евгений", "Павел",
    "Виктор", "Артём", "Максим", "Иван", "Олег", "Юрий", "Роман", "Кирилл", "Денис",
)
RUSSIAN_FEMALE = (
    "Ольга", "Наталья", "Елена", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Екатерина", "Людмила", "Галина",
    "Юлия", "Анастасия", "Валентина", "Надежда", "Оксана", "Марина", "Дарья", "Виктория", "Алина",
)
RUSSIAN_FAMILY: Families = (
    ("Иванов", "Иванова"), ("Петров", "Петрова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
    ("Васильев", "Васильева"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"), ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"), ("Алексеев", "Алексеева"),
    ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"), ("Егоров", "Егорова"), ("Павлов", "Павлова"), ("Козлов", "Козлова"),
    ("Степанов", "Степанова"), ("Орлов", "Орлова"), ("Захаров", "Захарова"), ("Шевченко", "Шевченко"),
    ("Коваленко", "Коваленко"), ("Бондаренко", "Бондаренко"),
)
# The register's Latvian spelling of Russian names.
RUSSIAN_LATIN_MALE = ("Aleksandrs", "Sergejs", "Andrejs", "Dmitrijs", "Aleksejs", "Vladimirs", "Nikolajs", "Igors", "Mihails", "Jevgēņijs")
RUSSIAN_LATIN_FEMALE = ("Olga", "Natālija", "Jeļena", "Tatjana", "Irina", "Svetlana", "Marija", "Jekaterina", "Ludmila", "Gaļina")
RUSSIAN_LATIN_FAMILY: Families = (
    ("Ivanovs", "Ivanova"), ("Petrovs", "Petrova"), ("Smirnovs", "Smirnova"), ("Kuzņecovs", "Kuzņecova"), ("Popovs", "Popova"),
    ("Vasiļjevs", "Vasiļjeva"), ("Sokolovs", "Sokolova"), ("Mihailovs", "Mihailova"), ("Novikovs", "Novikova"),
    ("Fjodorovs", "Fjodorova"),
)
STREETS = (
    "Brīvības iela", "Krišjāņa Barona iela", "Maskavas iela", "Lāčplēša iela", "Dzirnavu iela", "Tērbatas iela",
    "Avotu iela", "Ganību dambis", "Slokas iela", "Kurzemes prospekts", "Skolas iela", "Dārza iela", "Rīgas iela",
    "Pils iela", "Zaļā iela", "Lielā iela", "Stacijas iela", "Parka iela", "Meža iela", "Ezera iela",
)


@dataclass(frozen=True)
class Name:
    given: str
    family: str
    russian: bool


def name(rng: random.Random, *, female: bool, russian: bool) -> Name:
    families: Families
    if not russian:
        given, families = rng.choice(LATVIAN_FEMALE if female else LATVIAN_MALE), LATVIAN_FAMILY
    elif rng.random() < 0.3:
        given, families = rng.choice(RUSSIAN_LATIN_FEMALE if female else RUSSIAN_LATIN_MALE), RUSSIAN_LATIN_FAMILY
    else:
        given, families = rng.choice(RUSSIAN_FEMALE if female else RUSSIAN_MALE), RUSSIAN_FAMILY
    male_form, female_form = rng.choice(families)
    return Name(given, female_form if female else male_form, russian)


class PersonalCodes:
    """Unique codes in the portal's stored form DDMMYY-NNNNN, each one `parse` accepts as typed.

    Old format: the date of birth, the century digit (1 for the 1900s, 2 for the 2000s), three
    digits and the check digit; a number whose check sum gives 10 has no valid code and is skipped.
    New format (since 1 July 2017, and for anyone who asked): 32 and nine random digits, no check.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def old_format(self, rng: random.Random, born: date) -> str:
        century = {1800: "0", 1900: "1", 2000: "2"}[born.year // 100 * 100]
        while True:
            first_ten = f"{born:%d%m%y}{century}{rng.randrange(1000):03d}"
            check = check_digit(first_ten)
            if check is not None and (code := f"{first_ten[:6]}-{first_ten[6:]}{check}") not in self.taken:
                return self._take(code)

    def new_format(self, rng: random.Random) -> str:
        while True:
            digits = f"32{rng.randrange(10**9):09d}"
            if (code := f"{digits[:6]}-{digits[6:]}") not in self.taken:
                return self._take(code)

    def _take(self, code: str) -> str:
        # The portal's own parser, as for a code a person typed (date and check digit checked).
        assert str(parse(code, from_provider=False)) == code, code
        self.taken.add(code)
        return code


def address(rng: random.Random, town: str) -> str:
    return f"{rng.choice(STREETS)} {rng.randint(1, 140)}-{rng.randint(1, 60)}, {town}, LV-{rng.randint(1001, 5799)}"


def email(given: str, family: str, number: int) -> str:
    """An ASCII address at example.lv (the names' letters folded; Cyrillic ones get a number only)."""
    folded = "".join(c for c in _fold(f"{given}.{family}".lower()) if c.isascii() and (c.isalnum() or c == "."))
    return f"{folded.strip('.') or 'persona'}{number}@example.lv"


_FOLD = str.maketrans("āčēģīķļņšūž", "acegiklnsuz")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


DECISIONS = {
    "adult_assistant": "Piešķirts asistenta pakalpojums pašvaldībā: {hours} stundas mēnesī.",
    "child_assistant": "Piešķirts asistenta pakalpojums bērnam: {hours} stundas mēnesī.",
    "child_companion": "Piešķirts pavadoņa pakalpojums bērnam: {hours} stundas mēnesī.",
    "child_care": "Piešķirts aprūpes pakalpojums bērnam: {hours} stundas mēnesī.",
    "school_assistant": "Piešķirts asistents izglītības iestādē: {hours} stundas nedēļā.",
    "study_assistant": "Piešķirts asistents studijām: {hours} stundas nedēļā.",
}
REFUSALS = (
    "Nav VDEĀVK atzinuma par īpašas kopšanas nepieciešamību.",
    "Personai nav noteikta I vai II invaliditātes grupa.",
    "Pašnovērtējumā norādītās vajadzības sedz cits pakalpojums.",
    "Deklarētā dzīvesvieta nav šajā pašvaldībā.",
)
INFO_REQUESTS = {
    "lv": ("Lūdzu, iesniedziet darba devēja izziņu.", "Lūdzu, iesniedziet izziņu no izglītības iestādes.",
           "Lūdzu, precizējiet, kurās dienās asistents ir nepieciešams."),
    "ru": ("Пожалуйста, пришлите справку от работодателя.", "Пожалуйста, пришлите справку из учебного заведения.",
           "Пожалуйста, уточните, в какие дни нужен ассистент."),
}
WITHDRAWALS = ("Pakalpojumu vairs nevajag.", "Pārcēlos uz citu pašvaldību.", "", "Больше не нужно.")
RETURNS = (
    "Otrdien asistents nebija pie manis.",
    "Vienā dienā ierakstītas par daudz stundas.",
    "Во вторник ассистента не было.",
    "Nepareizs mērķis piektdienā.",
)
NOTES = {"other": ("Veikals un aptieka", "Banka un pasts", "Poliklīnika", "Pie ārsta")}
SURVEY_TEXTS = (
    ("lv", "Vairāk stundu mācībām un darbam."), ("lv", "Vienkāršāku mēneša pārskatu."), ("lv", "Ātrāku lēmumu."),
    ("ru", "Больше часов для учёбы."), ("ru", "Чтобы ассистента можно было найти быстрее."), ("ru", "Проще подтверждать отчёт."),
)
