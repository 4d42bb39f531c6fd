"""Entitlements and assistant assignments: creating them from the desk's decisions, and reading them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from portal.applications.models import Application
from portal.applications.rules import (
    ASSISTANT_CHANGES_PER_YEAR,
    KIND_RULES,
    ServiceKind,
)
from portal.casework import tally
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person


def create_entitlement(
    db: AsyncSession,
    application: Application,
    decided_by: Person,
    *,
    kind: ServiceKind,
    minutes: int,
    valid_from: date,
    valid_to: date,
    decision_text: str,
) -> Entitlement:
    entitlement = Entitlement(
        person_id=application.person_id,
        application_id=application.id,
        kind=kind,
        minutes=minutes,
        period=KIND_RULES[kind].period,
        valid_from=valid_from,
        valid_to=valid_to,
        decision_text=decision_text,
        decided_by_id=decided_by.id,
    )
    db.add(entitlement)
    return entitlement


async def entitlement_of_application(db: AsyncSession, application_id: int) -> Entitlement | None:
    """The grant an application led to (the caller has reached the application through its own scope)."""
    return await db.scalar(select(Entitlement).where(Entitlement.application_id == application_id))


async def assistant_changes_in_year(db: AsyncSession, person_id: int, today: date) -> int:
    """How many times the person's assistant changed in the last 12 months (the first assignment is no change)."""
    started = await db.scalar(
        select(func.count()).select_from(AssistantAssignment).where(
            AssistantAssignment.person_id == person_id, AssistantAssignment.valid_from > today - timedelta(days=365)
        )
    )
    earlier = await db.scalar(
        select(func.count()).select_from(AssistantAssignment).where(
            AssistantAssignment.person_id == person_id, AssistantAssignment.valid_from <= today - timedelta(days=365)
        )
    )
    return int(started or 0) - (0 if earlier else min(1, int(started or 0)))


def too_many_changes(changes_so_far: int) -> bool:
    """Reg. 316: a person may change assistant at most twice a year."""
    return changes_so_far >= ASSISTANT_CHANGES_PER_YEAR


async def assignments_running_on(db: AsyncSession, person_id: int, day: date) -> list[AssistantAssignment]:
    """The person's assignments still running on `day` (or after it): a new one from that day ends them."""
    return list(await db.scalars(
        select(AssistantAssignment).where(
            AssistantAssignment.person_id == person_id,
            or_(AssistantAssignment.valid_to.is_(None), AssistantAssignment.valid_to >= day),
        )
    ))


async def assign_assistant(
    db: AsyncSession, application: Application, assistant: Person, assigned_by: Person, valid_from: date
) -> AssistantAssignment:
    """The new assistant from `valid_from`; the person's current assignment ends the day before.
    The desk's tallies of the months follow (casework.tally), in the same transaction."""
    running = await assignments_running_on(db, application.person_id, valid_from)
    before = await tally.assignments_changing(db, [a.id for a in running])
    for assignment in running:
        assignment.valid_to = max(assignment.valid_from, valid_from - timedelta(days=1))
    assignment = AssistantAssignment(
        person_id=application.person_id,
        assistant_id=assistant.id,
        application_id=application.id,
        valid_from=valid_from,
        assigned_by_id=assigned_by.id,
    )
    db.add(assignment)
    await db.flush()
    await tally.assignments_changed(db, before, [*(a.id for a in running), assignment.id])
    await tally.assignment_listed(db, assignment, application)
    return assignment


async def assignments_of_person(db: AsyncSession, person_id: int) -> list[AssistantAssignment]:
    rows = await db.scalars(
        select(AssistantAssignment)
        .where(AssistantAssignment.person_id == person_id)
        .options(joinedload(AssistantAssignment.assistant))
        .order_by(AssistantAssignment.valid_from.desc(), AssistantAssignment.id.desc())
    )
    return list(rows)
