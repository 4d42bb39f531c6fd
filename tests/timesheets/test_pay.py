"""The stored pay (timesheets.pay) is the recount from the entries after every kind of write: a
confirmation by the person and by the desk, a correction started, changed, returned and confirmed
again, a change of rate, and retention deleting reports (one revision, then the rest). The recount is
the payroll's own definition, from the entries (casework.reports.pay_lines and by_kind)."""

from __future__ import annotations

from datetime import date

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, policy
from portal import db as database
from portal.casework import reports
from portal.people import service as people
from portal.people.models import Person, RepresentationKind
from portal.retention import _delete_reports
from portal.timesheets import pay, service
from portal.timesheets.models import MonthlyReport, MonthPayTotal, ReportPayLine, ReportStatus
from tests.casework.many import LIGA, confirmed_month
from tests.casework.test_reports import run

APRIL, MAY = date(2023, 4, 1), date(2023, 5, 1)
MID_APRIL = date(2023, 4, 15)


async def _riga(session: AsyncSession) -> policy.DeskScope:
    return policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))


def assert_recounted(database_url: str) -> None:
    """Every confirmed report's stored lines are its entries at their rates; no other report has any; and
    each month's stored totals are the payroll's lines summed by service (nothing stored for any other desk)."""

    async def check(session: AsyncSession) -> None:
        confirmed = set(await session.scalars(select(MonthlyReport.id).where(MonthlyReport.status == ReportStatus.CONFIRMED)))
        recount = await reports._summed_at_rates(session, reports._entries_at_rates(list(confirmed)))
        assert await pay.stored_at_rates(session, confirmed) == {
            report_id: [(rate, minutes, round(minutes * rate / 60)) for rate, minutes in lines] for report_id, lines in recount.items()}
        assert set(await session.scalars(select(ReportPayLine.report_id))) <= confirmed
        scope = await _riga(session)
        months = set(await session.scalars(select(MonthlyReport.month)))
        for month in months:
            expected = reports.by_kind(await reports.pay_lines(session, scope, month))
            assert await reports.totals_by_kind(session, scope, month) == expected, month
            assert await reports.recounted_by_kind(session, scope, month) == expected, month
        everywhere = (await session.execute(select(func.coalesce(func.sum(MonthPayTotal.reports), 0),
                                                   func.coalesce(func.sum(MonthPayTotal.amount_cents), 0)))).one()
        in_riga = [await reports.totals_by_kind(session, scope, month) for month in months]
        assert tuple(everywhere) == (sum(t.reports for ts in in_riga for t in ts), sum(t.amount_cents for ts in in_riga for t in ts))

    run(database_url, check)


def test_the_stored_pay_is_the_recount_after_every_kind_of_write(database_url: str) -> None:
    made = confirmed_month(database_url, APRIL, 6, days=(10, 20))  # the person confirms
    assert_recounted(database_url)
    first, second = made[0], made[1]

    async def assistant_and_person(session: AsyncSession, assignment_id: int) -> tuple[Person, Person, service.Assisted]:
        report = await session.scalar(select(MonthlyReport).where(MonthlyReport.assignment_id == assignment_id).limit(1))
        assert report is not None
        assistant, person = await session.get_one(Person, report.assistant_id), await session.get_one(Person, report.person_id)
        return assistant, person, await service.assignment_of(session, assistant, assignment_id)

    async def correction_started(session: AsyncSession) -> None:  # the confirmed revision is still what is paid
        assistant, _person, assisted = await assistant_and_person(session, first.assignment_id)
        await service.correct(session, assistant, assisted, APRIL, None)

    run(database_url, correction_started)
    assert_recounted(database_url)

    async def corrected_and_submitted(session: AsyncSession) -> None:  # one more hour, waiting for the person
        assistant, _person, assisted = await assistant_and_person(session, first.assignment_id)
        entry = service.EntryInput(APRIL.replace(day=25), 9 * 60, 10 * 60, "work_study_sport", "")
        _saved, problems = await service.save_entry(session, assistant, assisted, APRIL, entry, clock.today(), None)
        assert not problems
        await service.submit(session, assistant, assisted, APRIL, clock.today(), None)

    run(database_url, corrected_and_submitted)
    assert_recounted(database_url)

    async def returned(session: AsyncSession) -> None:
        _assistant, person, _assisted = await assistant_and_person(session, first.assignment_id)
        waiting = await session.scalar(select(MonthlyReport).where(MonthlyReport.assignment_id == first.assignment_id,
                                                                   MonthlyReport.status == ReportStatus.SUBMITTED))
        assert waiting is not None
        await service.dispute(session, person, waiting, None, "Nav pareizi.", [])

    run(database_url, returned)
    assert_recounted(database_url)

    async def confirmed_again(session: AsyncSession) -> None:  # now the correction is paid, not the revision before it
        assistant, person, assisted = await assistant_and_person(session, first.assignment_id)
        report = await service.submit(session, assistant, assisted, APRIL, clock.today(), None)
        await service.confirm(session, person, report, None)

    run(database_url, confirmed_again)
    assert_recounted(database_url)

    async def confirmed_by_the_desk(session: AsyncSession) -> None:  # May: the assistant represents the person
        assistant, person, assisted = await assistant_and_person(session, second.assignment_id)
        await people.add_representation(session, assistant, person, RepresentationKind.AUTHORISED, APRIL, None)
        entry = service.EntryInput(MAY.replace(day=3), 9 * 60, 12 * 60, "work_study_sport", "")
        _saved, problems = await service.save_entry(session, assistant, assisted, MAY, entry, clock.today(), None)
        assert not problems
        report = await service.submit(session, assistant, assisted, MAY, clock.today(), None)
        await reports.confirm_for_person(session, await people.person_by_code(session, LIGA), report, None)

    run(database_url, confirmed_by_the_desk)
    assert_recounted(database_url)

    async def rate_added(session: AsyncSession) -> None:  # a change of rate from the middle of April: two lines a report
        await pay.add_rate(session, MID_APRIL, 600)

    async def rate_removed(session: AsyncSession) -> None:
        await pay.remove_rate(session, MID_APRIL)

    run(database_url, rate_added)
    try:
        assert_recounted(database_url)
    finally:
        run(database_url, rate_removed)
    assert_recounted(database_url)

    async def latest_revision_deleted(session: AsyncSession) -> None:  # retention, a batch that holds one revision only
        latest = await session.scalar(select(func.max(MonthlyReport.id)).where(MonthlyReport.assignment_id == first.assignment_id,
                                                                                MonthlyReport.month == APRIL))
        await _delete_reports(session, [latest])

    run(database_url, latest_revision_deleted)
    assert_recounted(database_url)

    async def everything_deleted(session: AsyncSession) -> None:
        await _delete_reports(session, list(await session.scalars(select(MonthlyReport.id))))

    run(database_url, everything_deleted)
    assert_recounted(database_url)

    async def totals_left(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.coalesce(func.sum(MonthPayTotal.reports), 0))) or 0)

    assert run(database_url, totals_left) == 0


def test_the_migration_fills_the_stored_pay_as_the_writes_kept_it(database_url: str) -> None:
    """Migration 0027 on a database with reports in place (two rates in April, a correction confirmed,
    another waiting): downgraded to before it and upgraded again, it fills the same rows the writes kept."""
    made = confirmed_month(database_url, APRIL, 5, days=(10, 20))  # the fifth person's is a study assistant
    first, second = made[0], made[1]

    async def more(session: AsyncSession) -> None:
        await pay.add_rate(session, MID_APRIL, 600)
        for number, made_for in enumerate((first, second)):
            report = await session.scalar(select(MonthlyReport).where(MonthlyReport.assignment_id == made_for.assignment_id))
            assert report is not None
            assistant, person = await session.get_one(Person, report.assistant_id), await session.get_one(Person, report.person_id)
            assisted = await service.assignment_of(session, assistant, made_for.assignment_id)
            await service.correct(session, assistant, assisted, APRIL, None)
            entry = service.EntryInput(APRIL.replace(day=26), 9 * 60, 10 * 60, "work_study_sport", "")
            _saved, problems = await service.save_entry(session, assistant, assisted, APRIL, entry, clock.today(), None)
            assert not problems
            corrected = await service.submit(session, assistant, assisted, APRIL, clock.today(), None)
            if number == 0:  # the other correction waits: its confirmed revision is still what is paid
                await service.confirm(session, person, corrected, None)

    run(database_url, more)
    engine = create_engine(database.sync_url(database_url))
    lines, totals = (text("SELECT report_id, rate_cents, minutes, amount_cents FROM report_pay_line ORDER BY 1, 2"),
                     text("SELECT month, municipality_id, school_id, kind, reports, minutes, amount_cents FROM month_pay_total"
                          " WHERE reports <> 0 ORDER BY 1, 2, 3, 4"))
    try:
        with engine.connect() as connection:
            kept = connection.execute(lines).all(), connection.execute(totals).all()
        assert len(kept[0]) == 12 and len(kept[1]) == 2  # 5 reports and a confirmed correction, at two rates each; two services
        config = database.alembic_config(database_url)
        before = ScriptDirectory.from_config(config).get_revision("0027").down_revision
        assert isinstance(before, str)
        command.downgrade(config, before)
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert (connection.execute(lines).all(), connection.execute(totals).all()) == kept
    finally:
        engine.dispose()
        run(database_url, lambda session: pay.remove_rate(session, MID_APRIL))
