"""How much of a grant is used: per month, recorded and confirmed; and the overview's counts. No HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person
from portal.timesheets.models import MonthlyReport, ReportStatus


@dataclass(frozen=True)
class MonthUse:
    """One month of one grant: what the assistants recorded (latest revisions) and what was confirmed."""

    month: date
    recorded: int
    confirmed: int
    statuses: tuple[ReportStatus, ...]


async def current_entitlements(db: AsyncSession, person_id: int, today: date) -> list[Entitlement]:
    found = await db.scalars(
        select(Entitlement).where(Entitlement.person_id == person_id, Entitlement.valid_to >= today,
                                  Entitlement.valid_from <= today).order_by(Entitlement.valid_from)
    )
    return list(found)


async def use_by_month(db: AsyncSession, entitlement_ids: Sequence[int], since: date) -> dict[int, dict[date, MonthUse]]:
    """Per grant and month since `since`: recorded and confirmed minutes, from one query."""
    reports = list(await db.scalars(
        select(MonthlyReport).where(MonthlyReport.entitlement_id.in_(entitlement_ids), MonthlyReport.month >= since)
        .order_by(MonthlyReport.revision)
    )) if entitlement_ids else []
    latest: dict[tuple[int, date], MonthlyReport] = {}
    confirmed: dict[tuple[int, date], MonthlyReport] = {}
    for report in reports:  # in revision order: the last one seen wins
        latest[(report.assignment_id, report.month)] = report
        if report.status is ReportStatus.CONFIRMED:
            confirmed[(report.assignment_id, report.month)] = report
    use: dict[int, dict[date, MonthUse]] = {eid: {} for eid in entitlement_ids}
    for (assignment_id, month), report in latest.items():
        before = use[report.entitlement_id].get(month, MonthUse(month, 0, 0, ()))
        done = confirmed.get((assignment_id, month))
        use[report.entitlement_id][month] = MonthUse(
            month, before.recorded + report.total_minutes, before.confirmed + (done.total_minutes if done else 0),
            before.statuses + (report.status,),
        )
    return use


async def assistants_of(db: AsyncSession, entitlement: Entitlement, today: date) -> list[tuple[AssistantAssignment, Person]]:
    rows = await db.execute(
        select(AssistantAssignment, Person).join(Person, Person.id == AssistantAssignment.assistant_id)
        .where(AssistantAssignment.application_id == entitlement.application_id,
               or_(AssistantAssignment.valid_to.is_(None), AssistantAssignment.valid_to >= today))
        .order_by(AssistantAssignment.valid_from)
    )
    return [(a, p) for a, p in rows]

