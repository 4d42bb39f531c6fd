"""Survey definitions: versioned TOML files in portal/surveys/definitions/.

A survey names its title, introduction and privacy notice, when it is open, whom it is for
(everyone with the link, signed-in people, recipients of given service kinds, assistants),
whether it is anonymous, and its pages of questions: one choice, several choices, a rating
scale with a label on every point, or free text with a length limit; each required or not,
and optionally shown only when an earlier question was answered a certain way. Every text
is in Latvian and Russian. `load` refuses a survey that breaks these rules, naming what.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from portal.applications.rules import ServiceKind
from portal.translated import DefinitionError, Text, named_problems, optional_text, required_text, unique

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
AUDIENCES = ("public", "signed_in", "recipients", "assistants")
KINDS = ("single", "multiple", "scale", "text")


@dataclass(frozen=True)
class Option:
    value: str
    text: Text


@dataclass(frozen=True)
class Condition:
    """Show the question only when an earlier one was answered with one of these values."""

    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: Text
    help: Text | None
    required: bool
    options: tuple[Option, ...]
    max_length: int | None
    show_if: Condition | None

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Page:
    title: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Survey:
    id: str
    version: str
    title: Text
    introduction: Text
    privacy: Text
    opens: date
    closes: date
    audience: str
    kinds: tuple[ServiceKind, ...]  # for recipients: empty means every kind
    anonymous: bool
    pages: tuple[Page, ...]

    def questions(self) -> list[Question]:
        return [q for page in self.pages for q in page.questions]

    def is_open(self, today: date) -> bool:
        return self.opens <= today <= self.closes


def _question(q: dict[str, Any]) -> Question:
    where = f"question {q['id']}"
    condition = q.get("show_if")
    return Question(
        id=str(q["id"]),
        kind=str(q["kind"]),
        text=required_text(q, "text", where),
        help=optional_text(q, "help", where),
        required=bool(q.get("required", True)),
        options=tuple(Option(str(o["value"]), required_text(o, "text", f"{where}, option {o['value']}")) for o in q.get("options", [])),
        max_length=int(q["max_length"]) if "max_length" in q else None,
        show_if=Condition(str(condition["question"]), tuple(str(a) for a in condition["answers"])) if condition else None,
    )


def parse(data: dict[str, Any], source: str) -> Survey:
    """A survey from a TOML document, checked; raises DefinitionError naming what is wrong."""
    with named_problems(source):
        kinds = [str(k) for k in data.get("kinds", [])]
        unknown = [k for k in kinds if k not in ServiceKind._value2member_map_]
        if unknown:
            raise DefinitionError(f"unknown service kinds {unknown}")
        survey = Survey(
            id=str(data["id"]),
            version=str(data["version"]),
            title=required_text(data, "title", "survey"),
            introduction=required_text(data, "introduction", "survey"),
            privacy=required_text(data, "privacy", "survey"),
            opens=data["opens"],
            closes=data["closes"],
            audience=str(data["audience"]),
            kinds=tuple(ServiceKind(k) for k in kinds),
            anonymous=bool(data["anonymous"]),
            pages=tuple(Page(required_text(p, "title", f"page {n + 1}"), tuple(_question(q) for q in p["questions"]))
                        for n, p in enumerate(data["pages"])),
        )
    check(survey, source)
    return survey


def check(survey: Survey, source: str) -> None:
    problems: list[str] = []
    try:
        unique([q.id for q in survey.questions()], "question")
    except DefinitionError as error:
        problems.append(str(error))
    if not isinstance(survey.opens, date) or not isinstance(survey.closes, date) or survey.opens > survey.closes:
        problems.append("opens and closes must be dates, opens first")
    if survey.audience not in AUDIENCES:
        problems.append(f"audience {survey.audience!r} is not one of {AUDIENCES}")
    if survey.kinds and survey.audience != "recipients":
        problems.append("service kinds narrow only the recipients' audience")
    if not survey.pages or any(not page.questions for page in survey.pages):
        problems.append("every page needs at least one question")
    seen: dict[str, Question] = {}
    for question in survey.questions():
        where = f"question {question.id}"
        if question.kind not in KINDS:
            problems.append(f"{where}: unknown kind {question.kind!r}")
        if question.kind in ("single", "multiple", "scale"):
            if len(question.options) < 2:
                problems.append(f"{where}: needs at least two options")
            try:
                unique([o.value for o in question.options], f"{where}: option")
            except DefinitionError as error:
                problems.append(str(error))
        elif question.options:
            problems.append(f"{where}: free text has no options")
        if question.kind == "scale" and [o.value for o in question.options] != [str(n) for n in range(1, len(question.options) + 1)]:
            problems.append(f"{where}: a scale's points are 1, 2, 3, ... in order, each with its label")
        if question.kind == "text" and not question.max_length:
            problems.append(f"{where}: free text needs max_length")
        if question.show_if:
            earlier = seen.get(question.show_if.question)
            if earlier is None:
                problems.append(f"{where}: show_if names {question.show_if.question!r}, which is not an earlier question")
            elif any(earlier.option(a) is None for a in question.show_if.answers) or not question.show_if.answers:
                problems.append(f"{where}: show_if answers are not options of {earlier.id}")
        seen[question.id] = question
    if problems:
        raise DefinitionError(f"{source}: " + "; ".join(problems))


def load(path: Path) -> Survey:
    with path.open("rb") as file:
        return parse(tomllib.load(file), path.name)


@cache
def all_surveys() -> dict[str, Survey]:
    """Every survey shipped with the portal, by id."""
    surveys = [load(path) for path in sorted(DEFINITIONS_DIR.glob("*.toml"))]
    return {s.id: s for s in surveys}
