"""Scoring is a pure function of (definition, answers): the edges of every threshold, and properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.assessment.definitions import all_definitions
from portal.assessment.scoring import score

ADULTS = all_definitions()["adults-2021"]
RATINGS = [q.id for q in ADULTS.ratings()]
LEVELS = [level.value for level in ADULTS.levels]
PURPOSES = [p.value for p in ADULTS.purposes]
HIGHER = ADULTS.intensities[-1].min_points


def answers_with_points(points: int, purposes: list[str]) -> dict[str, Any]:
    """Ratings that add up to exactly `points` (3, 3, ..., the rest, then independent)."""
    answers: dict[str, Any] = {"purposes": purposes}
    for question in RATINGS:
        given_points = min(3, points)
        points -= given_points
        answers[question] = {"rating": LEVELS[given_points], "comment": "x"}
    assert points == 0, "more points asked for than the questionnaire has"
    return answers


@pytest.mark.parametrize(
    ("points", "purposes", "level", "hours"),
    [
        (0, ["work_study_sport"], "base", 80),
        (HIGHER - 1, ["work_study_sport"], "base", 80),
        (HIGHER, ["work_study_sport"], "higher", 160),
        (HIGHER + 1, ["work_study_sport"], "higher", 160),
        (len(RATINGS) * 3, ["work_study_sport"], "higher", 160),
        (HIGHER - 1, ["volunteering", "other"], "base", 40),  # the largest purpose, not the sum
        (HIGHER, ["day_centre"], "higher", 100),
        (HIGHER - 1, ["other"], "base", 15),
        (HIGHER, [], "higher", 0),  # no purpose, no hours
    ],
)
def test_the_edges_of_the_thresholds(points: int, purposes: list[str], level: str, hours: int) -> None:
    result = score(ADULTS, answers_with_points(points, purposes))
    assert (result.points, result.intensity.level, result.total_minutes) == (points, level, hours * 60)


def test_the_sum_rule_adds_up_and_stops_at_the_cap() -> None:
    from dataclasses import replace

    summing = replace(ADULTS, combine_rule="sum")
    base = score(summing, answers_with_points(0, ["volunteering", "other"]))
    assert base.total_minutes == (40 + 15) * 60 and not base.capped
    high = score(summing, answers_with_points(HIGHER, ["work_study_sport", "school", "board"]))
    assert high.total_minutes == summing.cap_minutes and high.capped


def test_the_result_says_which_answers_led_there() -> None:
    answers = answers_with_points(0, ["other"]) | {"stairs": {"rating": "full_help", "comment": "Nav lifta"},
                                                    "orientation": {"rating": "supervision", "comment": ""}}
    result = score(ADULTS, answers)
    assert result.reasons == (("stairs", "full_help", 3), ("orientation", "supervision", 1))


def test_unknown_or_missing_answers_give_no_points() -> None:
    result = score(ADULTS, {"stairs": {"rating": "flying"}, "distances": "full_help", "purposes": "work_study_sport"})
    assert (result.points, result.total_minutes) == (0, 0)


def test_comments_are_required_from_some_help() -> None:
    assert [ADULTS.needs_comment(level) for level in LEVELS] == [False, False, True, True]


ratings = st.fixed_dictionaries({q: st.sampled_from(LEVELS) for q in RATINGS})
purposes = st.lists(st.sampled_from(PURPOSES), unique=True)
rules = st.sampled_from(["largest", "sum"])


def as_answers(chosen: dict[str, str], purpose_list: list[str]) -> dict[str, Any]:
    return {q: {"rating": level, "comment": "x"} for q, level in chosen.items()} | {"purposes": purpose_list}


@given(ratings, purposes, rules)
def test_hours_never_exceed_the_cap(chosen: dict[str, str], purpose_list: list[str], rule: str) -> None:
    from dataclasses import replace

    definition = replace(ADULTS, combine_rule=rule)
    assert 0 <= score(definition, as_answers(chosen, purpose_list)).total_minutes <= definition.cap_minutes


@given(ratings, purposes, rules, st.sampled_from(RATINGS))
def test_needing_more_support_never_gives_fewer_hours(chosen: dict[str, str], purpose_list: list[str], rule: str, question: str) -> None:
    from dataclasses import replace

    definition = replace(ADULTS, combine_rule=rule)
    before = score(definition, as_answers(chosen, purpose_list))
    more = dict(chosen)
    more[question] = LEVELS[min(LEVELS.index(chosen[question]) + 1, len(LEVELS) - 1)]
    after = score(definition, as_answers(more, purpose_list))
    assert after.points >= before.points and after.total_minutes >= before.total_minutes


@given(ratings, purposes, st.sampled_from(PURPOSES))
def test_another_purpose_never_gives_fewer_hours(chosen: dict[str, str], purpose_list: list[str], extra: str) -> None:
    before = score(ADULTS, as_answers(chosen, purpose_list))
    after = score(ADULTS, as_answers(chosen, sorted(set(purpose_list) | {extra})))
    assert after.total_minutes >= before.total_minutes


def test_an_option_with_points_counts_and_is_named_as_a_reason() -> None:
    import copy

    from portal.assessment.definitions import parse
    from tests.assessment.test_definitions import raw

    data = copy.deepcopy(raw())
    frequency = next(q for s in data["sections"] for q in s["questions"] if q["id"] == "frequency")
    frequency["options"][0]["points"] = 2
    definition = parse(data, "with-points.toml")
    answers = answers_with_points(HIGHER - 2, ["work_study_sport"]) | {"frequency": frequency["options"][0]["value"]}
    result = score(definition, answers)
    assert result.points == HIGHER and result.intensity.level == "higher"
    assert ("frequency", "daily", 2) in result.reasons
    assert score(definition, answers | {"frequency": "weekly"}).intensity.level == "base"
