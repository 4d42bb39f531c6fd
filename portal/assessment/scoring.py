"""The indicative result of a questionnaire: a pure function of (definition, answers).

The support intensity follows from the rating points; the hours from the purposes the
person needs the assistant for, each at its base hours times the intensity's coefficient,
combined as the definition says and never above its cap. The result also says which
answers led there, so that a person can see why. It is indicative: the social service decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.assessment.definitions import Definition, Intensity

Answers = Mapping[str, Any]  # question id -> the answer ({"rating", "comment"} for a rating)


@dataclass(frozen=True)
class PurposeHours:
    purpose: str
    minutes: int  # base minutes x the coefficient


@dataclass(frozen=True)
class Result:
    points: int
    intensity: Intensity
    purposes: tuple[PurposeHours, ...]
    total_minutes: int
    capped: bool
    # The ratings that gave points, highest first: (question id, level value, points).
    reasons: tuple[tuple[str, str, int], ...]


def rating_points(definition: Definition, answers: Answers) -> list[tuple[str, str, int]]:
    """The points of every rating, and of every chosen option that carries points."""
    found = []
    for question in definition.questions():
        answer = answers.get(question.id)
        if question.kind == "rating":
            value = answer.get("rating") if isinstance(answer, Mapping) else None
            level = definition.level(value) if isinstance(value, str) else None
            if level is not None:
                found.append((question.id, level.value, level.points))
        elif question.kind in ("choice", "choices"):
            chosen = answer if isinstance(answer, list) else [answer]
            found += [(question.id, o.value, o.points) for o in question.options if o.value in chosen and o.points]
    return found


def intensity_for(definition: Definition, points: int) -> Intensity:
    return [i for i in definition.intensities if i.min_points <= points][-1]


def score(definition: Definition, answers: Answers) -> Result:
    rated = rating_points(definition, answers)
    points = sum(p for _, _, p in rated)
    intensity = intensity_for(definition, points)
    chosen = answers.get("purposes")
    chosen_values = set(chosen) if isinstance(chosen, list | tuple) else set()
    purposes = tuple(
        PurposeHours(p.value, p.base_minutes * intensity.coefficient) for p in definition.purposes if p.value in chosen_values
    )
    minutes = [p.minutes for p in purposes]
    combined = (max(minutes) if minutes else 0) if definition.combine_rule == "largest" else sum(minutes)
    total = min(combined, definition.cap_minutes)
    reasons = tuple(sorted((r for r in rated if r[2] > 0), key=lambda r: -r[2]))
    return Result(points, intensity, purposes, total, combined > definition.cap_minutes, reasons)
