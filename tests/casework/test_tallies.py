"""The desk's tallies (casework.tally) equal a recount after every kind of write that moves a month:
an assistant assigned, a month started, submitted, returned, confirmed (by the person and by the
desk), a correction started, an assistant replaced (a report left on a month the old assignment no
longer covers), a sample drawn and checked, a sampled report corrected, retention deleting reports
and case files, a person renamed at sign-in. Each time the counts the pages show are compared with
the overview's own GROUP BY (reports.recount, sample_recount), the overview filtered by each state
with the whole overview, and the kept rows with rows made afresh from the data (tally.rebuild)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, policy, retention
from portal.app import create_app
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.casework import reports, tally
from portal.casework import service as casework
from portal.casework.models import DeskAssignment, DeskReport, ReportTally, SampleTally
from portal.eid import service as eid
from portal.entitlements.models import AssistantAssignment
from portal.people import service as people
from portal.people.models import RepresentationKind
from portal.settings import Settings
from portal.timesheets import service
from portal.timesheets.models import ControlSample, MonthlyReport
from tests.casework.test_reports import ANDRIS, ANNA, ILZE, LIGA, MARTA, OLGA, granted, record, run
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.race import posts_at_once, workers


def this_month() -> date:
    return service.month_of(clock.today())


def months_around() -> list[date]:
    """Four months back and this one: the grants' first month, the month before it, and the ones since."""
    months = [this_month()]
    while len(months) < 5:
        months.append(service.previous_month(months[-1]))
    return months


def rows(found: Any) -> set[tuple[Any, ...]]:
    """A table's rows without the ones that count nothing (a count moved up and back down leaves one)."""
    return {tuple(row) for row in found if any(isinstance(v, int) and not isinstance(v, bool) and v for v in row[-4:])}


async def kept_rows(session: AsyncSession) -> tuple[set[tuple[Any, ...]], ...]:
    report_rows = rows(await session.execute(select(
        ReportTally.municipality_id, ReportTally.school_id, ReportTally.kind, ReportTally.month, ReportTally.covered,
        ReportTally.uncovered, ReportTally.submitted, ReportTally.returned, ReportTally.confirmed)))
    sample_rows = rows(await session.execute(select(SampleTally.sample_id, SampleTally.kind, SampleTally.drawn, SampleTally.checked,
                                                    SampleTally.own_hours, SampleTally.corrected)))
    desk_rows = {tuple(row) for row in await session.execute(select(
        DeskAssignment.assignment_id, DeskAssignment.person_id, DeskAssignment.municipality_id, DeskAssignment.school_id,
        DeskAssignment.family_name, DeskAssignment.given_name, DeskAssignment.valid_from))}
    by_state = {tuple(row) for row in await session.execute(select(
        DeskReport.assignment_id, DeskReport.month, DeskReport.status, DeskReport.kind, DeskReport.municipality_id, DeskReport.school_id,
        DeskReport.family_name, DeskReport.given_name, DeskReport.valid_from))}
    return report_rows, sample_rows, desk_rows, by_state


async def same_as_a_recount(session: AsyncSession) -> None:
    await session.flush()
    riga = await people.municipality_by_code(session, "riga")
    scope = policy.DeskScope(municipality_ids=(riga.id,))
    for month in months_around():
        for kind in (None, *ServiceKind):
            assert await reports.counts(session, scope, month, kind) == await reports.recount(session, scope, month, kind), (month, kind)
        for sample_id in (None, *await session.scalars(select(ControlSample.id).where(ControlSample.month == month))):
            for kind in (None, *ServiceKind):
                chosen = reports.SampleFilter(kind=kind, sample_id=sample_id)
                assert await reports.sample_counts(session, scope, month, chosen) == await reports.sample_recount(session, scope, month, chosen)
        listed = (await reports.overview(session, scope, month, size=1000)).rows
        assert [(r.person.family_name, r.person.given_name) for r in listed] == sorted(
            (r.person.family_name, r.person.given_name) for r in listed), "by the person's name as it is now"
        assert len(listed) == sum((await reports.recount(session, scope, month)).values())
        for state in reports.State:  # each filter lists what the whole list shows in that state, in its order
            in_state = (await reports.overview(session, scope, month, state=state, size=1000)).rows
            assert [r.assignment_id for r in in_state] == [r.assignment_id for r in listed if r.state is state], (month, state)
            assert await one_at_a_time(session, scope, month, state) == [r.assignment_id for r in in_state], (month, state)
            for kind in {r.kind for r in listed}:
                of_kind = (await reports.overview(session, scope, month, kind=kind, state=state, size=1000)).rows
                assert [r.assignment_id for r in of_kind] == [r.assignment_id for r in in_state if r.kind is kind], (month, state, kind)
    kept = await kept_rows(session)
    savepoint = await session.begin_nested()
    await tally.rebuild(session)
    rebuilt = await kept_rows(session)
    await savepoint.rollback()
    assert kept == rebuilt


async def one_at_a_time(session: AsyncSession, scope: policy.DeskScope, month: date, state: reports.State) -> list[int]:
    """The month in `state` read a page of one at a time, by the cursors each page gives."""
    shown: list[int] = []
    after = ""
    while True:
        page = await reports.overview(session, scope, month, state=state, size=1, after=after)
        shown += [row.assignment_id for row in page.rows]
        if page.after is None:
            return shown
        after = page.after


def check(database_url: str) -> None:
    run(database_url, same_as_a_recount)


def test_the_tallies_equal_a_recount_after_every_kind_of_write(database_url: str) -> None:
    months = months_around()
    start, last, earlier = months[3], months[1], months[2]
    ids = granted(database_url, start, [ANNA, MARTA, OLGA])  # assistants assigned: the months they cover
    check(database_url)
    record(database_url, ids[ANNA], earlier, [3], 2)  # started, submitted, confirmed
    record(database_url, ids[MARTA], earlier, [4], 2, then="return")  # returned
    record(database_url, ids[OLGA], earlier, [5], 2, then="open")  # started only
    record(database_url, ids[ANNA], last, [3], 2, then="submit")  # waiting
    check(database_url)
    record(database_url, ids[MARTA], earlier, [6], 1)  # returned, then submitted again and confirmed
    record(database_url, ids[ANNA], earlier, [7], 1, correct_first=True)  # a correction, confirmed again
    record(database_url, ids[OLGA], last, [8], 2, then="open")
    check(database_url)

    async def the_desk_draws_checks_and_confirms(session: AsyncSession) -> None:
        liga = await people.person_by_code(session, LIGA)
        scope = policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
        drawn = await reports.draw_samples(session, liga, scope, earlier, 100)
        report = await session.scalar(select(MonthlyReport).where(MonthlyReport.sample_id == drawn[0].id).limit(1))
        assert report is not None
        await reports.mark_checked(session, liga, report, "Pārbaudīts.")
        await same_as_a_recount(session)
        # Olga's assistant becomes her representative: the desk confirms what Ilze submitted for her.
        olga, ilze = await people.person_by_code(session, OLGA), await people.person_by_code(session, ILZE)
        await people.add_representation(session, ilze, olga, RepresentationKind.GUARDIAN, date(2020, 1, 1), None)
        assisted = await service.assignment_of(session, ilze, ids[OLGA])
        submitted = await service.submit(session, ilze, assisted, last, clock.today(), None)
        await reports.confirm_for_person(session, liga, submitted, None)
        await same_as_a_recount(session)
        # A sampled report corrected since the draw.
        sampled = await session.scalar(select(MonthlyReport).where(MonthlyReport.sample_id == drawn[0].id,
                                                                   MonthlyReport.assignment_id == ids[MARTA]))
        assert sampled is not None
        await service.correct(session, ilze, await service.assignment_of(session, ilze, ids[MARTA]), earlier, None)

    run(database_url, the_desk_draws_checks_and_confirms)
    check(database_url)

    async def an_assistant_replaced(session: AsyncSession) -> None:
        # Andris assists Anna from the first of last month: Ilze's assignment ends the day before, and her
        # report of last month stays on the list as one of a month she no longer covers.
        application_id = await session.scalar(select(AssistantAssignment.application_id).where(AssistantAssignment.id == ids[ANNA]))
        application = await session.get(Application, application_id)
        assert application is not None
        andris = await people.ensure_person(session, ANDRIS, "Andris", "Kārkliņš")
        await casework.assign(session, application, await people.person_by_code(session, LIGA), andris, last)
        ended = await session.get(AssistantAssignment, ids[ANNA])
        assert ended is not None and ended.valid_to == last - timedelta(days=1)
        assert (await tally.desks(session, [ended.id]))[ended.id].last == earlier
        assert await session.scalar(select(MonthlyReport.id).where(MonthlyReport.assignment_id == ended.id, MonthlyReport.month == last))
        await same_as_a_recount(session)
        # Anna's name as eID now gives it: the list sorts by it.
        anna = await people.person_by_code(session, ANNA)
        await eid.sign_in_person(session, eid.Identity(personal_code=anna.personal_code, given_name="Anna", family_name="Ābele"))

    run(database_url, an_assistant_replaced)
    check(database_url)

    async def retention_deletes(session: AsyncSession) -> None:
        rule = {r.kind: r for r in retention.RULES}
        month_ids = list(await session.scalars(select(MonthlyReport.id).where(MonthlyReport.month == earlier, MonthlyReport.assignment_id == ids[OLGA])))
        act = rule["monthly_report"].act
        assert act is not None
        await act(session, month_ids)  # a month of Olga's
        await same_as_a_recount(session)
        sampled = list(await session.scalars(select(MonthlyReport.id).where(MonthlyReport.sample_id.is_not(None)).limit(1)))
        await act(session, sampled)  # a drawn revision, the month's other revision kept
        await same_as_a_recount(session)
        olga_reports = list(await session.scalars(select(MonthlyReport.id).where(MonthlyReport.assignment_id == ids[OLGA])))
        await act(session, olga_reports)
        application_id = await session.scalar(select(AssistantAssignment.application_id).where(AssistantAssignment.id == ids[OLGA]))
        case_act = rule["case_file"].act
        assert case_act is not None
        await case_act(session, [application_id])  # her case file: the grant and the assignment

    run(database_url, retention_deletes)
    check(database_url)


def test_a_new_municipality_month_counts_its_assignments_without_a_write(database_url: str) -> None:
    """An assignment that runs on is on every month to come: this month counts it before anything is recorded."""
    months = months_around()
    granted(database_url, months[1], [ANNA])

    async def work(session: AsyncSession) -> None:
        scope = policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
        assert (await reports.counts(session, scope, months[0]))[reports.State.NOT_SUBMITTED] == 1
        assert (await reports.counts(session, scope, months[2]))[reports.State.NOT_SUBMITTED] == 0
        await same_as_a_recount(session)

    run(database_url, work)


def test_two_confirmations_at_once_both_count(client: TestClient, settings: Settings, database_url: str) -> None:
    """Anna and Olga confirm their months at the same moment, each in her own app: the same tally row
    (Rīga, an adult's assistant, the month) moves twice, as two increments, and a confirmation sent
    twice at once (two tabs) moves it once."""
    months = months_around()
    ids = granted(database_url, months[3], [ANNA, OLGA])
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as olga_client:
        sign_in(client, ANNA)
        sign_in(olga_client, OLGA)
        for round_, month in enumerate((months[2], months[1])):
            report = {code: record(database_url, ids[code], month, [3 + 2 * n], 1, then="submit") for n, code in enumerate((ANNA, OLGA))}
            with workers(settings, client, 2) as (anna, anna_again), workers(settings, olga_client, 1) as (olga,):
                posts = []
                for tab, code in ((anna, ANNA), (olga, OLGA), (anna_again, ANNA))[: 3 if round_ else 2]:
                    path = f"/lv/reports/{report[code]}/confirm"
                    page = tab.get(path).text
                    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
                    posts.append((tab, path, {"csrf_token": csrf_of(page), "version": version, "received": "yes"}))
                answers = posts_at_once(*posts)
            assert all(answer.status_code == 303 for answer in answers), [a.text[:2000] for a in answers]

            async def counted(session: AsyncSession, month: date = month) -> None:
                riga = await people.municipality_by_code(session, "riga")
                scope = policy.DeskScope(municipality_ids=(riga.id,))
                assert (await reports.counts(session, scope, month))[reports.State.CONFIRMED] == 2
                await same_as_a_recount(session)

            run(database_url, counted)
