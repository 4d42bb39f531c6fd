"""Questionnaire definitions: versioned TOML files in portal/assessment/questionnaires/.

A definition names the regulation it follows and the date it takes effect, and holds
everything the law may change: the sections and questions with their texts and help in
Latvian and Russian, the rating scale with its points and when a comment is required,
the support-intensity thresholds, the purposes with their base hours, and how purposes
combine. Changing any of it never needs a code change; `load` refuses a definition that
is inconsistent, so a broken file fails at start-up and in the tests, not in front of a person.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from portal.forms import MAX_INT
from portal.translated import DefinitionError, Text, named_problems, optional_text, required_text, unique

QUESTIONNAIRES_DIR = Path(__file__).parent / "questionnaires"
QUESTION_KINDS = ("rating", "purposes", "choice", "choices", "yes_no", "number", "text")
WITH_OPTIONS = ("choice", "choices")
COMBINE_RULES = ("largest", "sum")


@dataclass(frozen=True)
class Level:
    value: str
    points: int
    text: Text
    help: Text


@dataclass(frozen=True)
class Intensity:
    level: str
    coefficient: int
    min_points: int
    text: Text


@dataclass(frozen=True)
class Purpose:
    value: str
    base_minutes: int
    text: Text


@dataclass(frozen=True)
class Option:
    value: str
    text: Text
    points: int


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: Text
    help: Text | None
    required: bool
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    minimum: int | None = None  # for a number
    maximum: int | None = None
    unit: Text | None = None

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Definition:
    id: str
    version: str
    regulation: str
    effective_from: date
    title: Text
    introduction: Text | None
    scored: bool  # False: a checklist that helps plan (children), no points and no hours
    levels: tuple[Level, ...]
    comment_required_from: int  # points from which a rating needs a comment
    intensities: tuple[Intensity, ...]  # ascending by min_points
    purposes: tuple[Purpose, ...]
    combine_rule: str
    cap_minutes: int
    sections: tuple[Section, ...]

    @property
    def key(self) -> str:
        return f"{self.id}-{self.version}"

    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in section.questions]

    def ratings(self) -> list[Question]:
        return [question for question in self.questions() if question.kind == "rating"]

    def section(self, section_id: str) -> Section | None:
        return next((section for section in self.sections if section.id == section_id), None)

    def level(self, value: str) -> Level | None:
        return next((level for level in self.levels if level.value == value), None)

    def value_text(self, question_id: str, value: str) -> Text | None:
        """The words for an answer's value: a scale level, or an option of the question."""
        level = self.level(value)
        if level is not None:
            return level.text
        question = next((q for q in self.questions() if q.id == question_id), None)
        option = question.option(value) if question else None
        return option.text if option else None

    def first_commented_level(self) -> Level:
        return next(level for level in self.levels if level.points >= self.comment_required_from)

    def needs_comment(self, rating: str) -> bool:
        """Whether this rating must say why, in a comment (seed 000: so the assessment is not subjective)."""
        level = self.level(rating)
        return level is not None and level.points >= self.comment_required_from


def _question(q: dict[str, Any]) -> Question:
    where = f"question {q['id']}"
    return Question(
        str(q["id"]),
        str(q["kind"]),
        required_text(q, "text", where),
        optional_text(q, "help", where),
        bool(q.get("required", True)),
        int(q["max_length"]) if "max_length" in q else None,
        tuple(Option(str(o["value"]), required_text(o, "text", f"{where}, option {o['value']}"), int(o.get("points", 0)))
              for o in q.get("options", [])),
        int(q["min"]) if "min" in q else None,
        int(q["max"]) if "max" in q else None,
        optional_text(q, "unit", where),
    )


def parse(data: dict[str, Any], source: str) -> Definition:
    """A definition from a TOML document, checked; raises DefinitionError naming what is wrong."""
    with named_problems(source):
        scored = bool(data.get("scored", True))
        levels = tuple(
            Level(str(t["value"]), int(t["points"]), required_text(t, "text", f"level {t['value']}"),
                  required_text(t, "help", f"level {t['value']}"))
            for t in (data["scale"]["levels"] if scored or "scale" in data else [])
        )
        intensities = tuple(
            sorted(
                (Intensity(str(t["level"]), int(t["coefficient"]), int(t["min_points"]), required_text(t, "text", f"intensity {t['level']}"))
                 for t in (data["intensity"] if scored else [])),
                key=lambda i: i.min_points,
            )
        )
        purposes = tuple(
            Purpose(str(t["value"]), int(t["base_minutes"]), required_text(t, "text", f"purpose {t['value']}"))
            for t in (data["purposes"] if scored else [])
        )
        sections = tuple(
            Section(
                str(s["id"]),
                required_text(s, "title", f"section {s['id']}"),
                tuple(_question(q) for q in s["questions"]),
            )
            for s in data["sections"]
        )
        definition = Definition(
            id=str(data["id"]),
            version=str(data["version"]),
            regulation=str(data["regulation"]),
            effective_from=data["effective_from"],
            title=required_text(data, "title", "questionnaire"),
            introduction=optional_text(data, "introduction", "questionnaire"),
            scored=scored,
            levels=levels,
            comment_required_from=int(data["scale"]["comment_required_from"]) if scored else 0,
            intensities=intensities,
            purposes=purposes,
            combine_rule=str(data["combine"]["rule"]) if scored else "largest",
            cap_minutes=int(data["combine"]["cap_minutes"]) if scored else 0,
            sections=sections,
        )
    check(definition, source)
    return definition


def check(definition: Definition, source: str) -> None:
    """The rules a definition must keep: unique ids, known kinds, reachable thresholds, sane figures."""
    problems: list[str] = []
    try:
        unique([s.id for s in definition.sections], "section")
        unique([q.id for q in definition.questions()], "question")
        unique([level.value for level in definition.levels], "scale level")
        unique([p.value for p in definition.purposes], "purpose")
        unique([i.level for i in definition.intensities], "intensity level")
    except DefinitionError as error:
        problems.append(str(error))
    if not isinstance(definition.effective_from, date):
        problems.append("effective_from is not a date")
    problems += [f"question {q.id}: unknown kind {q.kind!r}" for q in definition.questions() if q.kind not in QUESTION_KINDS]
    problems += _question_problems(definition)
    if not definition.sections or any(not s.questions for s in definition.sections):
        problems.append("every section needs at least one question")
    if not definition.scored:
        if any(q.kind in ("rating", "purposes") for q in definition.questions()):
            problems.append("a questionnaire that is not scored cannot ask for ratings or purposes")
        if problems:
            raise DefinitionError(f"{source}: " + "; ".join(problems))
        return
    if [q.kind for q in definition.questions()].count("purposes") != 1:
        problems.append("exactly one question must ask for the purposes")
    if sorted(level.points for level in definition.levels) != [level.points for level in definition.levels]:
        problems.append("scale levels must be in order of points")
    if not any(level.points >= definition.comment_required_from for level in definition.levels):
        problems.append("comment_required_from is above every level")
    if definition.combine_rule not in COMBINE_RULES:
        problems.append(f"combine rule {definition.combine_rule!r} is not one of {COMBINE_RULES}")
    if not definition.intensities or definition.intensities[0].min_points != 0:
        problems.append("the lowest intensity must start at 0 points")
    highest = len(definition.ratings()) * max((level.points for level in definition.levels), default=0) + sum(
        max((o.points for o in q.options), default=0) if q.kind == "choice" else sum(o.points for o in q.options)
        for q in definition.questions()
    )
    problems += [f"intensity {i.level} needs {i.min_points} points; at most {highest} can be reached"
                 for i in definition.intensities if i.min_points > highest]
    coefficients = [i.coefficient for i in definition.intensities]
    if coefficients != sorted(coefficients) or any(c < 1 for c in coefficients):
        problems.append("a higher intensity must never have a smaller coefficient")
    problems += [f"purpose {p.value}: base hours must be positive" for p in definition.purposes if p.base_minutes <= 0]
    if definition.cap_minutes < max((p.base_minutes for p in definition.purposes), default=0):
        problems.append("the cap is below a purpose's base hours")
    if problems:
        raise DefinitionError(f"{source}: " + "; ".join(problems))


def _question_problems(definition: Definition) -> list[str]:
    problems = []
    for question in definition.questions():
        if question.kind in WITH_OPTIONS:
            if len(question.options) < 2:
                problems.append(f"question {question.id}: a choice needs at least two options")
            try:
                unique([o.value for o in question.options], f"question {question.id}: option")
            except DefinitionError as error:
                problems.append(str(error))
        elif question.options:
            problems.append(f"question {question.id}: only a choice has options")
        if question.kind == "number" and (question.minimum is None or question.maximum is None
                                          or not 0 <= question.minimum <= question.maximum <= MAX_INT):
            problems.append(f"question {question.id}: a number needs 0 <= min <= max <= {MAX_INT} (an INTEGER column)")
        if question.kind == "text" and not question.max_length:
            problems.append(f"question {question.id}: a text answer needs max_length")
    return problems


def load(path: Path) -> Definition:
    with path.open("rb") as file:
        return parse(tomllib.load(file), path.name)


@cache
def all_definitions() -> dict[str, Definition]:
    """Every questionnaire version shipped with the portal, by key (id-version)."""
    definitions = [load(path) for path in sorted(QUESTIONNAIRES_DIR.glob("*.toml"))]
    return {d.key: d for d in definitions}


def current(questionnaire_id: str, today: date) -> Definition:
    """The version of a questionnaire in force today: the latest that has taken effect."""
    in_force = [d for d in all_definitions().values() if d.id == questionnaire_id and d.effective_from <= today]
    if not in_force:
        raise LookupError(f"no {questionnaire_id} questionnaire in force on {today}")
    return max(in_force, key=lambda d: d.effective_from)
