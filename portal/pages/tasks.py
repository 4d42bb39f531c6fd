"""What the signed-in person has to do next, for the overview to lead with: counted in one SELECT, per person
(their own matters, and each person they represent).

- answer the social service's request for information (their own case, or the case of someone they represent);
- confirm or return an assistant's monthly report (not one of their own hours: the social service confirms those);
- correct a report the person assisted returned (as an assistant);
- apply again for a grant that ends within RENEW_WITHIN_DAYS, when no newer application is on its way.

A represented minor decides none of these: they are her representative's (policy.decides_for_themself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import CompoundSelect, Integer, Select, cast, exists, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from portal import policy
from portal.applications.models import Application, ApplicationStatus
from portal.assessment.models import Assessment
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person
from portal.timesheets.models import MonthlyReport, ReportStatus

RENEW_WITHIN_DAYS = 60
ON_ITS_WAY = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFO_REQUESTED)


@dataclass(frozen=True)
class PersonTasks:
    """What is to do about one person's matters: the signed-in person's own, or a represented person's."""

    person: Person
    requests_to_answer: int = 0
    reports_to_confirm: int = 0
    grants_ending: int = 0

    @property
    def any(self) -> bool:
        return bool(self.requests_to_answer or self.reports_to_confirm or self.grants_ending)


@dataclass(frozen=True)
class Tasks:
    # The signed-in person's first, then each person they represent, those with something to do only.
    people: tuple[PersonTasks, ...]
    reports_to_correct: int  # as an assistant: the reports returned to her
    is_assistant: bool
    # Whether the person has any matter of their own or of someone they represent (for staff: citizen links only then).
    has_own_matters: bool
    # The one person whose pages the overview's services open: a representative of one person with no
    # matters of their own (a father for his child) works on that person's, not on his own empty ones.
    lands_on: Person | None

    @property
    def requests_to_answer(self) -> int:
        return sum(item.requests_to_answer for item in self.people)

    @property
    def reports_to_confirm(self) -> int:
        return sum(item.reports_to_confirm for item in self.people)

    @property
    def grants_ending(self) -> int:
        return sum(item.grants_ending for item in self.people)

    @property
    def any(self) -> bool:
        return bool(self.reports_to_correct) or any(item.any for item in self.people)


def _per_person(kind: str, person_id: InstrumentedAttribute[int], rows: Select[int]) -> Select[str, int, int]:
    return rows.with_only_columns(literal(kind).label("kind"), person_id.label("person_id"), func.count().label("count")).group_by(person_id)


def _flag(kind: str, rows: Select[int]) -> Select[str, int, int]:
    """1 when a row exists, else 0 (a count over at most one row), in the same shape as _per_person."""
    return select(literal(kind), cast(null(), Integer), func.count()).select_from(rows.limit(1).subquery())


def _statement() -> CompoundSelect[str, int, int]:
    """The counts for a person on a day, per person and kind, built once: each request only executes it."""
    person, today = policy.someone(), policy.a_day()
    renew_until = policy.a_day("renew_until")
    newer = aliased(Application)
    parts: list[Select[str, int, int]] = [
        _per_person("request", Application.person_id, select(Application.id).where(
            policy.applications(person, today), Application.status == ApplicationStatus.INFO_REQUESTED)),
        _per_person("confirm", MonthlyReport.person_id, select(MonthlyReport.id).where(
            policy.monthly_reports(person, today), MonthlyReport.status == ReportStatus.SUBMITTED,
            MonthlyReport.assistant_id != person.id)),
        _per_person("ending", Entitlement.person_id, select(Entitlement.id).where(
            policy.entitlements(person, today), Entitlement.valid_to >= today, Entitlement.valid_to <= renew_until,
            ~exists().where(newer.person_id == Entitlement.person_id, newer.kind == Entitlement.kind,
                            newer.id != Entitlement.application_id, newer.status.in_(ON_ITS_WAY)))),
        select(literal("correct"), cast(null(), Integer), func.count()).where(
            MonthlyReport.assistant_id == person.id, MonthlyReport.status == ReportStatus.RETURNED),
        _flag("assists", select(AssistantAssignment.id).where(AssistantAssignment.assistant_id == person.id)),
        _flag("own", select(Application.id).where(Application.person_id == person.id)),
        _flag("own", select(Entitlement.id).where(Entitlement.person_id == person.id)),
        _flag("own", select(Assessment.id).where(Assessment.person_id == person.id, Assessment.application_id.is_(None))),
    ]
    return union_all(*parts)


STATEMENT = _statement()


async def tasks_of(db: AsyncSession, actor: policy.Actor, today: date) -> Tasks:
    person = actor.person
    counts: dict[str, dict[int | None, int]] = {}
    params = {"person_id": person.id, "today": today, "renew_until": today + timedelta(days=RENEW_WITHIN_DAYS)}
    for kind, person_id, count in await db.execute(STATEMENT, params):
        by_person = counts.setdefault(kind, {})
        by_person[person_id] = by_person.get(person_id, 0) + int(count)
    # A represented minor decides none of these: they are her representative's (policy.decides_for_themself).
    decides = actor.decides_for_themself
    people = tuple(
        item for item in (
            PersonTasks(someone, *(counts.get(kind, {}).get(someone.id, 0) if decides else 0 for kind in ("request", "confirm", "ending")))
            for someone in actor.whose()
        ) if item.any
    )
    assists = bool(counts.get("assists", {}).get(None))
    own = bool(counts.get("own", {}).get(None))
    return Tasks(
        people=people,
        reports_to_correct=counts.get("correct", {}).get(None, 0),
        is_assistant=assists,
        has_own_matters=own or assists or bool(actor.represented),
        lands_on=actor.represented[0] if len(actor.represented) == 1 and not own and not assists else None,
    )
