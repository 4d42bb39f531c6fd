"""The rules the applications service checks whoever calls it, and the words the pages give each problem."""

from __future__ import annotations

from datetime import date

import pytest

from portal import i18n
from portal.applications import forms, service
from portal.applications.models import ApplicationStatus
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from tests.applications.test_service import TODAY, draft, family, run


def test_a_kind_the_age_rules_out_cannot_be_chosen(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, marta, anna = await family(db, representation_ends=None)
        own = await draft(db, anna, anna, kind=None)
        for_marta = await draft(db, janis, marta, kind=None)
        async with db.session() as session:
            with pytest.raises(service.Refused) as refused:
                await service.save_answers(session, anna, own, {"service": "child_care"}, TODAY)
            assert refused.value.problem is service.Problem.KIND_NOT_FOR_AGE
            with pytest.raises(service.Refused):
                await service.save_answers(session, janis, for_marta, {"service": "study_assistant"}, TODAY)
            assert (await service.save_answers(session, anna, own, {"service": "adult_assistant"}, TODAY)).kind is ServiceKind.ADULT_ASSISTANT
            child = await service.save_answers(session, janis, for_marta, {"service": "child_care"}, TODAY)
            assert child.kind is ServiceKind.CHILD_CARE
        # Past her 18th birthday the draft keeps its kind while other answers change; the social service decides.
        async with db.session() as session:
            later = date(2034, 1, 1)
            kept = await service.save_answers(session, janis, for_marta, {"service": "child_care", "contact": "post"}, later)
            assert kept.kind is ServiceKind.CHILD_CARE

    run(database_url, scenario)


def test_a_withdrawal_reason_has_a_limit(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        anna = (await family(db))[2]
        application_id = await draft(db, anna, anna, ServiceKind.ADULT_ASSISTANT)
        async with db.session() as session:
            await service.submit(session, anna, application_id, TODAY)
            with pytest.raises(service.Refused) as refused:
                await service.withdraw(session, anna, application_id, TODAY, "x" * (service.MAX_WITHDRAW_REASON + 1))
            assert refused.value.problem is service.Problem.REASON_TOO_LONG
            assert (await service.withdraw(session, anna, application_id, TODAY, "x" * service.MAX_WITHDRAW_REASON)).status is ApplicationStatus.WITHDRAWN

    run(database_url, scenario)


def test_an_answer_to_a_request_is_a_text_or_documents(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, _marta, anna = await family(db)
        application_id = await draft(db, anna, anna, ServiceKind.ADULT_ASSISTANT)
        async with db.session() as session:
            with pytest.raises(service.NotAllowed):
                await service.answer_request(session, anna, application_id, TODAY, "Te būs")
            application = await service.submit(session, anna, application_id, TODAY)
            await casework.request_information(session, application, janis, "Atsūtiet līgumu")
            for answer, problem in (("   ", service.Problem.NOTHING_SENT), ("x" * (service.MAX_ANSWER + 1), service.Problem.ANSWER_TOO_LONG)):
                with pytest.raises(service.Refused) as refused:
                    await service.answer_request(session, anna, application_id, TODAY, answer)
                assert refused.value.problem is problem
            with pytest.raises(service.NotFound):
                await service.answer_request(session, janis, application_id, TODAY, "Not his")
            answered = await service.answer_request(session, anna, application_id, TODAY, "Līgums pielikumā")
            assert answered.status is ApplicationStatus.IN_REVIEW
            events = await service.history(session, anna, application_id, TODAY)
            assert (events[-1].action, events[-1].message) == ("information_provided", "Līgums pielikumā")

    run(database_url, scenario)


def test_only_a_school_registered_in_the_municipality_decides(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, marta, _anna = await family(db)
        application_id = await draft(db, janis, marta, ServiceKind.SCHOOL_ASSISTANT)
        async with db.session() as session:
            jelgava = await people.add_school(session, await people.municipality_by_code(session, "jelgava"), "Jelgavas 4. vidusskola")
            application = await service.visible_application(session, janis, application_id, TODAY)
            for chosen, decides in ((str(jelgava.id), jelgava.id), ("²", None), ("99999999999", None), ("", None)):
                application.answers = {"school": {"school_id": chosen}}
                assert await service.deciding_school(session, application, "jelgava") == decides, chosen
                assert await service.deciding_school(session, application, "riga") is None

    run(database_url, scenario)


def test_every_problem_has_words_in_both_languages() -> None:
    assert set(forms.PROBLEM_TEXTS) == set(service.Problem)
    for problem in service.Problem:
        words = {}
        for locale in ("lv", "ru"):
            i18n.set_locale(locale)
            try:
                words[locale] = forms.problem_text(problem)
            finally:
                i18n.set_locale(i18n.DEFAULT_LOCALE)
        assert words["lv"] and words["ru"] and words["lv"] != words["ru"], problem
