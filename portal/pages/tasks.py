"""What the signed-in person has to do next, for the overview to lead with: counted in one SELECT.

- answer the social service's request for information (their own case, or the case of someone they represent);
- confirm or return an assistant's monthly report (not one of their own hours: the social service confirms those);
- correct a report the person assisted returned (as an assistant);
- apply again for a grant that ends within RENEW_WITHIN_DAYS, when no newer application is on its way.

A represented minor decides none of these: they are her representative's (policy.decides_for_themself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ScalarSelect, Select, Subquery, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal import policy
from portal.applications.models import Application, ApplicationStatus
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.timesheets.models import MonthlyReport, ReportStatus

RENEW_WITHIN_DAYS = 60
ON_ITS_WAY = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFO_REQUESTED)


@dataclass(frozen=True)
class Tasks:
    requests_to_answer: int
    reports_to_confirm: int
    reports_to_correct: int
    grants_ending: int
    is_assistant: bool
    # Whether the person has any matter of their own or of someone they represent (for staff: citizen links only then).
    has_own_matters: bool

    @property
    def any(self) -> bool:
        return bool(self.requests_to_answer or self.reports_to_confirm or self.reports_to_correct or self.grants_ending)


def _count(rows: Subquery) -> ScalarSelect[int]:
    return select(func.count()).select_from(rows).scalar_subquery()


def _statement() -> Select[int, int, int, int, bool, bool]:
    """The counts for a person on a day, built once: each request only executes it (`_params`)."""
    person, today = policy.someone(), policy.a_day()
    renew_until = policy.a_day("renew_until")
    requests = (select(Application.id).where(policy.applications(person, today),
                                             Application.status == ApplicationStatus.INFO_REQUESTED).subquery())
    to_confirm = (select(MonthlyReport.id).where(policy.monthly_reports(person, today), MonthlyReport.status == ReportStatus.SUBMITTED,
                                                 MonthlyReport.assistant_id != person.id).subquery())
    to_correct = select(MonthlyReport.id).where(MonthlyReport.assistant_id == person.id,
                                                MonthlyReport.status == ReportStatus.RETURNED).subquery()
    newer = aliased(Application)
    ending = (
        select(Entitlement.id).where(
            policy.entitlements(person, today), Entitlement.valid_to >= today, Entitlement.valid_to <= renew_until,
            ~exists().where(newer.person_id == Entitlement.person_id, newer.kind == Entitlement.kind,
                            newer.id != Entitlement.application_id, newer.status.in_(ON_ITS_WAY)),
        ).subquery()
    )
    assists = exists().where(AssistantAssignment.assistant_id == person.id)
    own_matters = (exists().where(policy.applications(person, today)) | exists().where(policy.self_assessments(person, today))
                   | exists().where(policy.entitlements(person, today)))
    return select(_count(requests), _count(to_confirm), _count(to_correct), _count(ending), assists, own_matters)


STATEMENT = _statement()


async def tasks_of(db: AsyncSession, actor: policy.Actor, today: date) -> Tasks:
    person = actor.person
    decides = actor.decides_for_themself
    found = (await db.execute(STATEMENT, {"person_id": person.id, "today": today,
                                          "renew_until": today + timedelta(days=RENEW_WITHIN_DAYS)})).one()
    return Tasks(
        requests_to_answer=int(found[0]) if decides else 0,
        reports_to_confirm=int(found[1]) if decides else 0,
        reports_to_correct=int(found[2]),
        grants_ending=int(found[3]) if decides else 0,
        is_assistant=bool(found[4]),
        has_own_matters=bool(found[5]) or bool(found[4]) or bool(actor.represented),
    )

