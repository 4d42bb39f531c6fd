"""Who can get which kind of service: table-driven, one row per case the regulation names."""

from __future__ import annotations

from datetime import date

import pytest

from portal.applications.rules import (
    KIND_RULES,
    Answer,
    DisabilityGroup,
    Facts,
    Period,
    Reason,
    ServiceKind,
    Verdict,
    age_on,
    eligibility,
    kinds_by_age,
    latest_grant_end,
)

Y, N, U = Answer.YES, Answer.NO, Answer.UNKNOWN
G1, G2, G3 = DisabilityGroup.GROUP_I, DisabilityGroup.GROUP_II, DisabilityGroup.GROUP_III
K = ServiceKind


@pytest.mark.parametrize(
    ("kind", "facts", "verdict", "reasons"),
    [
        # Adults: group I or II with limitations, or a transport indication.
        (K.ADULT_ASSISTANT, Facts(age=41, disability_group=G2, limitations=Y), Verdict.ELIGIBLE, ()),
        (K.ADULT_ASSISTANT, Facts(age=41, disability_group=G3, limitations=N, transport_indication=Y), Verdict.ELIGIBLE, ()),
        (K.ADULT_ASSISTANT, Facts(age=41, disability_group=G3, limitations=Y, transport_indication=N), Verdict.NOT_ELIGIBLE, (Reason.NEEDS_GROUP_I_OR_II,)),
        (K.ADULT_ASSISTANT, Facts(age=41, disability_group=G1, limitations=U), Verdict.UNSURE, (Reason.NEEDS_LIMITATIONS,)),
        (K.ADULT_ASSISTANT, Facts(age=17, disability_group=G1, limitations=Y), Verdict.NOT_ELIGIBLE, (Reason.TOO_YOUNG,)),
        (K.ADULT_ASSISTANT, Facts(age=None, disability_group=G1, limitations=Y), Verdict.UNSURE, (Reason.AGE_UNKNOWN,)),
        # Children 5-17 with a special-care opinion.
        (K.CHILD_ASSISTANT, Facts(age=11, disability_group=DisabilityGroup.CHILD, special_care_opinion=Y), Verdict.ELIGIBLE, ()),
        (K.CHILD_ASSISTANT, Facts(age=4, disability_group=DisabilityGroup.CHILD, special_care_opinion=Y), Verdict.NOT_ELIGIBLE, (Reason.TOO_YOUNG,)),
        (K.CHILD_ASSISTANT, Facts(age=18, disability_group=G2, special_care_opinion=Y), Verdict.NOT_ELIGIBLE, (Reason.TOO_OLD,)),
        (K.CHILD_ASSISTANT, Facts(age=11, disability_group=DisabilityGroup.NONE, special_care_opinion=N), Verdict.NOT_ELIGIBLE, (Reason.NEEDS_DISABILITY, Reason.NEEDS_SPECIAL_CARE_OPINION)),
        (K.CHILD_ASSISTANT, Facts(age=11, disability_group=DisabilityGroup.CHILD), Verdict.UNSURE, (Reason.NEEDS_SPECIAL_CARE_OPINION,)),
        # Companion: a disability, NO special-care need, a companion opinion.
        (K.CHILD_COMPANION, Facts(age=9, disability_group=DisabilityGroup.CHILD, special_care_opinion=N, companion_opinion=Y), Verdict.ELIGIBLE, ()),
        (K.CHILD_COMPANION, Facts(age=9, disability_group=DisabilityGroup.CHILD, special_care_opinion=Y, companion_opinion=Y), Verdict.NOT_ELIGIBLE, (Reason.HAS_SPECIAL_CARE_OPINION,)),
        # Care service: special care and a family that works or studies.
        (K.CHILD_CARE, Facts(age=11, disability_group=DisabilityGroup.CHILD, special_care_opinion=Y, family_works_or_studies=Y), Verdict.ELIGIBLE, ()),
        (K.CHILD_CARE, Facts(age=11, disability_group=DisabilityGroup.CHILD, special_care_opinion=Y, family_works_or_studies=N), Verdict.NOT_ELIGIBLE, (Reason.NEEDS_FAMILY_WORK,)),
        # School assistant: pupils to 18 with special care; older ones of group I/II while they study.
        (K.SCHOOL_ASSISTANT, Facts(age=11, special_care_opinion=Y, studies_at_school=Y), Verdict.ELIGIBLE, ()),
        (K.SCHOOL_ASSISTANT, Facts(age=18, special_care_opinion=Y, studies_at_school=Y), Verdict.ELIGIBLE, ()),
        (K.SCHOOL_ASSISTANT, Facts(age=25, disability_group=G2, studies_at_school=Y), Verdict.ELIGIBLE, ()),
        (K.SCHOOL_ASSISTANT, Facts(age=25, disability_group=G3, studies_at_school=Y), Verdict.NOT_ELIGIBLE, (Reason.NEEDS_GROUP_I_OR_II,)),
        (K.SCHOOL_ASSISTANT, Facts(age=11, special_care_opinion=Y, studies_at_school=N), Verdict.NOT_ELIGIBLE, (Reason.NEEDS_STUDIES,)),
        # Studies at a university or college: group I/II and an assistant opinion.
        (K.STUDY_ASSISTANT, Facts(age=20, disability_group=G1, assistant_opinion=Y), Verdict.ELIGIBLE, ()),
        (K.STUDY_ASSISTANT, Facts(age=20, disability_group=DisabilityGroup.UNKNOWN, assistant_opinion=U), Verdict.UNSURE, (Reason.NEEDS_GROUP_I_OR_II, Reason.NEEDS_ASSISTANT_OPINION)),
    ],
)
def test_eligibility(kind: ServiceKind, facts: Facts, verdict: Verdict, reasons: tuple[Reason, ...]) -> None:
    result = eligibility(kind, facts)
    assert (result.verdict, result.reasons) == (verdict, reasons)


@pytest.mark.parametrize(
    ("age", "offered"),
    [
        (3, set()),
        (5, {K.CHILD_ASSISTANT, K.CHILD_COMPANION, K.CHILD_CARE, K.SCHOOL_ASSISTANT}),
        (11, {K.CHILD_ASSISTANT, K.CHILD_COMPANION, K.CHILD_CARE, K.SCHOOL_ASSISTANT}),
        (18, {K.ADULT_ASSISTANT, K.SCHOOL_ASSISTANT, K.STUDY_ASSISTANT}),
        (41, {K.ADULT_ASSISTANT, K.SCHOOL_ASSISTANT, K.STUDY_ASSISTANT}),
        (None, set(K)),
    ],
)
def test_kinds_offered_by_age_and_the_others_with_why_not(age: int | None, offered: set[ServiceKind]) -> None:
    shown, not_shown = kinds_by_age(age)
    assert set(shown) == offered
    assert {e.kind for e in not_shown} == set(K) - offered
    assert all(e.verdict is Verdict.NOT_ELIGIBLE and e.reasons for e in not_shown)


def test_age_on_a_day() -> None:
    assert age_on(date(2015, 2, 12), date(2026, 11, 22)) == 11
    assert age_on(date(2008, 11, 22), date(2026, 11, 22)) == 18
    assert age_on(date(2008, 11, 23), date(2026, 11, 22)) == 17


@pytest.mark.parametrize(
    ("start", "disability_until", "end"),
    [
        (date(2026, 1, 1), None, date(2028, 12, 31)),
        (date(2026, 1, 1), date(2027, 6, 30), date(2027, 6, 30)),
        (date(2026, 1, 1), date(2031, 1, 1), date(2028, 12, 31)),
        (date(2028, 2, 29), None, date(2031, 2, 28)),
    ],
)
def test_a_grant_lasts_for_the_disability_period_at_most_three_years(start: date, disability_until: date | None, end: date) -> None:
    assert latest_grant_end(start, disability_until) == end


def test_hour_limits_follow_the_regulation() -> None:
    assert KIND_RULES[K.ADULT_ASSISTANT].max_minutes == 160 * 60
    assert KIND_RULES[K.CHILD_COMPANION].max_minutes == 60 * 60
    assert (KIND_RULES[K.SCHOOL_ASSISTANT].max_minutes, KIND_RULES[K.SCHOOL_ASSISTANT].period) == (40 * 60, Period.WEEK)
