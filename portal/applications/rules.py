"""The service's rules that the law sets: who can get which kind, for how long, how many hours.

Everything here follows Cabinet Regulation No. 316 of 18 May 2021 ("Noteikumi
par asistenta, pavadoņa un aprūpes pakalpojumu personām ar invaliditāti") and,
for the assistant in an educational institution, Regulation No. 695 of 2012 as
amended in 2022. Figures marked UNVERIFIED are the domain guide's best reading
(docs/domain.md) and are kept here, in one place, so that an operator can
correct them without touching any other code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class ServiceKind(StrEnum):
    ADULT_ASSISTANT = "adult_assistant"
    CHILD_ASSISTANT = "child_assistant"
    CHILD_COMPANION = "child_companion"
    CHILD_CARE = "child_care"
    SCHOOL_ASSISTANT = "school_assistant"
    STUDY_ASSISTANT = "study_assistant"


class Answer(StrEnum):
    """A fact the person states; "don't know" is always allowed (the registers hold the truth)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class DisabilityGroup(StrEnum):
    GROUP_I = "1"
    GROUP_II = "2"
    GROUP_III = "3"
    CHILD = "child"  # a child's disability has no group
    NONE = "none"
    UNKNOWN = "unknown"


class Period(StrEnum):
    MONTH = "month"
    WEEK = "week"


@dataclass(frozen=True)
class KindRule:
    kind: ServiceKind
    min_age: int
    max_age: int | None  # inclusive; None: no upper limit
    max_minutes: int  # per `period`
    period: Period
    decided_by_school: bool = False


# Reg. 316 points on each kind (domain guide, "Service kinds").
KIND_RULES: dict[ServiceKind, KindRule] = {
    rule.kind: rule
    for rule in (
        # Adults: hours by purpose and support intensity, at most 160 h/month (80 x coefficient 2).
        KindRule(ServiceKind.ADULT_ASSISTANT, 18, None, 160 * 60, Period.MONTH),
        # Children 5-17 with a special-care opinion: 80 h/month, 100 during treatment or
        # rehabilitation courses (the higher figure is the limit a grant may reach).
        KindRule(ServiceKind.CHILD_ASSISTANT, 5, 17, 100 * 60, Period.MONTH),
        KindRule(ServiceKind.CHILD_COMPANION, 5, 17, 60 * 60, Period.MONTH),
        # Care service: municipal rules and budget; "up to 80 h/month".
        KindRule(ServiceKind.CHILD_CARE, 5, 17, 80 * 60, Period.MONTH),
        # Reg. 695 (2012, amended 2022): pupils 5-18, and adults of group I/II while they study.
        KindRule(ServiceKind.SCHOOL_ASSISTANT, 5, None, 40 * 60, Period.WEEK, decided_by_school=True),
        # UNVERIFIED after 2021: up to 40 h/week in the academic year.
        KindRule(ServiceKind.STUDY_ASSISTANT, 18, None, 40 * 60, Period.WEEK),
    )
}

# Hours per month of the base and the child-in-treatment level.
CHILD_ASSISTANT_MINUTES = 80 * 60
CHILD_ASSISTANT_TREATMENT_MINUTES = 100 * 60
SCHOOL_PUPIL_MAX_AGE = 18

MAX_GRANT_YEARS = 3  # a grant lasts for the disability period, at most 3 years
DECISION_MONTHS = 1  # the social service decides within one month
REPORT_CHANGES_WORKING_DAYS = 3  # moving, hospital stay, activities
ASSISTANT_CHANGES_PER_YEAR = 2
APPEAL_MONTHS = 1  # to the municipality's administrative commission


class Purpose(StrEnum):
    """What an adult needs the assistant for (Reg. 316, Annex 1, point 4.2)."""

    WORK_STUDY_SPORT = "work_study_sport"
    SCHOOL = "school"
    BOARD = "board"
    VOLUNTEERING = "volunteering"
    DAY_CENTRE = "day_centre"
    DIALYSIS_CHEMOTHERAPY = "dialysis_chemotherapy"
    OTHER = "other"


# The hours each purpose gives are the questionnaire's (portal/assessment), not set here.


@dataclass(frozen=True)
class Facts:
    """What is known about the person an application is for."""

    age: int | None = None  # None: unknown (new-format personal code, not yet asked)
    disability_group: DisabilityGroup = DisabilityGroup.UNKNOWN
    limitations: Answer = Answer.UNKNOWN  # adult: vision, mobility or mental limitations
    transport_indication: Answer = Answer.UNKNOWN  # adult: VDEĀVK indication for car adaptation/transport benefit
    special_care_opinion: Answer = Answer.UNKNOWN  # VDEĀVK opinion on special care need
    companion_opinion: Answer = Answer.UNKNOWN  # VDEĀVK opinion on the need for a companion
    assistant_opinion: Answer = Answer.UNKNOWN  # VDEĀVK opinion on the need for an assistant (studies)
    family_works_or_studies: Answer = Answer.UNKNOWN  # care service
    studies_at_school: Answer = Answer.UNKNOWN  # general or vocational school (not a state special school)


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    UNSURE = "unsure"  # depends on an answer the person does not know: the social service checks
    NOT_ELIGIBLE = "not_eligible"


class Reason(StrEnum):
    """Why a kind is ruled out or uncertain; each has a plain-language text in the journey."""

    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"
    AGE_UNKNOWN = "age_unknown"
    NEEDS_GROUP_I_OR_II = "needs_group_i_or_ii"
    NEEDS_LIMITATIONS = "needs_limitations"
    NEEDS_DISABILITY = "needs_disability"
    NEEDS_SPECIAL_CARE_OPINION = "needs_special_care_opinion"
    HAS_SPECIAL_CARE_OPINION = "has_special_care_opinion"  # companion is for children without it
    NEEDS_COMPANION_OPINION = "needs_companion_opinion"
    NEEDS_ASSISTANT_OPINION = "needs_assistant_opinion"
    NEEDS_FAMILY_WORK = "needs_family_work"
    NEEDS_STUDIES = "needs_studies"


@dataclass(frozen=True)
class Eligibility:
    kind: ServiceKind
    verdict: Verdict
    reasons: tuple[Reason, ...] = ()


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _combine(kind: ServiceKind, checks: list[tuple[Answer, Reason]]) -> Eligibility:
    """NO on any condition rules the kind out; otherwise UNKNOWN on any makes it uncertain."""
    ruled_out = tuple(reason for answer, reason in checks if answer is Answer.NO)
    if ruled_out:
        return Eligibility(kind, Verdict.NOT_ELIGIBLE, ruled_out)
    unsure = tuple(reason for answer, reason in checks if answer is Answer.UNKNOWN)
    return Eligibility(kind, Verdict.UNSURE if unsure else Verdict.ELIGIBLE, unsure)


def _group_i_or_ii(group: DisabilityGroup) -> Answer:
    if group in (DisabilityGroup.GROUP_I, DisabilityGroup.GROUP_II):
        return Answer.YES
    return Answer.UNKNOWN if group is DisabilityGroup.UNKNOWN else Answer.NO


def _has_disability(group: DisabilityGroup) -> Answer:
    if group is DisabilityGroup.UNKNOWN:
        return Answer.UNKNOWN
    return Answer.NO if group is DisabilityGroup.NONE else Answer.YES


def _either(first: Answer, second: Answer) -> Answer:
    if Answer.YES in (first, second):
        return Answer.YES
    return Answer.UNKNOWN if Answer.UNKNOWN in (first, second) else Answer.NO


def _negate(answer: Answer) -> Answer:
    return {Answer.YES: Answer.NO, Answer.NO: Answer.YES, Answer.UNKNOWN: Answer.UNKNOWN}[answer]


def age_check(kind: ServiceKind, age: int | None) -> Eligibility | None:
    """Ruled out (or uncertain) by age alone, or None when the age fits."""
    rule = KIND_RULES[kind]
    if age is None:
        return Eligibility(kind, Verdict.UNSURE, (Reason.AGE_UNKNOWN,))
    if age < rule.min_age:
        return Eligibility(kind, Verdict.NOT_ELIGIBLE, (Reason.TOO_YOUNG,))
    if rule.max_age is not None and age > rule.max_age:
        return Eligibility(kind, Verdict.NOT_ELIGIBLE, (Reason.TOO_OLD,))
    return None


def eligibility(kind: ServiceKind, facts: Facts) -> Eligibility:
    by_age = age_check(kind, facts.age)
    if by_age is not None and by_age.verdict is Verdict.NOT_ELIGIBLE:
        return by_age
    age_unknown = [(Answer.UNKNOWN, Reason.AGE_UNKNOWN)] if by_age is not None else []
    group = facts.disability_group
    checks: list[tuple[Answer, Reason]]
    match kind:
        case ServiceKind.ADULT_ASSISTANT:
            checks = [
                (_either(_group_i_or_ii(group), facts.transport_indication), Reason.NEEDS_GROUP_I_OR_II),
                (_either(facts.limitations, facts.transport_indication), Reason.NEEDS_LIMITATIONS),
            ]
        case ServiceKind.CHILD_ASSISTANT:
            checks = [
                (_has_disability(group), Reason.NEEDS_DISABILITY),
                (facts.special_care_opinion, Reason.NEEDS_SPECIAL_CARE_OPINION),
            ]
        case ServiceKind.CHILD_COMPANION:
            checks = [
                (_has_disability(group), Reason.NEEDS_DISABILITY),
                (_negate(facts.special_care_opinion), Reason.HAS_SPECIAL_CARE_OPINION),
                (facts.companion_opinion, Reason.NEEDS_COMPANION_OPINION),
            ]
        case ServiceKind.CHILD_CARE:
            checks = [
                (_has_disability(group), Reason.NEEDS_DISABILITY),
                (facts.special_care_opinion, Reason.NEEDS_SPECIAL_CARE_OPINION),
                (facts.family_works_or_studies, Reason.NEEDS_FAMILY_WORK),
            ]
        case ServiceKind.SCHOOL_ASSISTANT:
            is_pupil_age = facts.age is not None and facts.age <= SCHOOL_PUPIL_MAX_AGE
            condition = facts.special_care_opinion if is_pupil_age else _group_i_or_ii(group)
            reason = Reason.NEEDS_SPECIAL_CARE_OPINION if is_pupil_age else Reason.NEEDS_GROUP_I_OR_II
            checks = [(facts.studies_at_school, Reason.NEEDS_STUDIES), (condition, reason)]
        case ServiceKind.STUDY_ASSISTANT:
            checks = [
                (_group_i_or_ii(group), Reason.NEEDS_GROUP_I_OR_II),
                (facts.assistant_opinion, Reason.NEEDS_ASSISTANT_OPINION),
            ]
    return _combine(kind, age_unknown + checks)


def kinds_by_age(age: int | None) -> tuple[list[ServiceKind], list[Eligibility]]:
    """Which kinds to offer at "which service" (only age is known then), and the others with why not."""
    offered: list[ServiceKind] = []
    not_offered: list[Eligibility] = []
    for kind in ServiceKind:
        by_age = age_check(kind, age)
        if by_age is not None and by_age.verdict is Verdict.NOT_ELIGIBLE:
            not_offered.append(by_age)
        else:
            offered.append(kind)
    return offered, not_offered


def latest_grant_end(start: date, disability_until: date | None) -> date:
    """A grant ends with the disability period and lasts at most MAX_GRANT_YEARS."""
    try:
        three_years = start.replace(year=start.year + MAX_GRANT_YEARS)
    except ValueError:  # from 29 February the anniversary falls on 1 March
        three_years = date(start.year + MAX_GRANT_YEARS, 3, 1)
    cap = three_years - timedelta(days=1)
    return min(cap, disability_until) if disability_until else cap



def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 January + 1 = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def decision_due(submitted: date) -> date:
    """The social service decides within one month of receiving the application."""
    return add_months(submitted, DECISION_MONTHS)
