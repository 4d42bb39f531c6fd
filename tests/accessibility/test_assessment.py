"""The self-assessment in a real browser.

- Every page and error state, in both languages: the task list, a section, its check page, the
  result, attaching it to an application, the child's checklist filled in by a parent, and the
  desk's side by side comparison and its own section pages (axe, titles, focused error summary,
  320 px).
- Keyboard alone, JavaScript on (Latvian): the whole questionnaire, submitted, to the result.
- JavaScript off (Russian, Ольга): half the sections, sign out, come back, finish, submit, and
  apply with the result.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from portal.applications import demo as demo_applications
from portal.applications import service as applications
from portal.assessment import service as assessments
from portal.assessment.definitions import all_definitions
from portal.assessment.demo import ANNA_ANSWERS, LIGA_CHANGES
from portal.clock import today
from portal.db import Database
from portal.people import service as people
from portal.people.models import RepresentationKind, StaffRoleName
from tests.accessibility.conftest import ANNA, LANGS, OLGA, sign_in_as, wait_for_path, wait_until
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, tick, type_into
from tests.accessibility.test_keyboard import Journey, active, press
from tests.accessibility.test_no_javascript import assert_scripts_do_not_run

pytestmark = pytest.mark.browser

ADULTS = all_definitions()["adults-2021"]
CHILDREN = all_definitions()["children-2021"]
LIGA, JANIS, MARTA = "230565-11005", "020790-11000", "120215-21007"


def seed(database_url: str) -> dict[str, int]:
    """Anna's submitted self-assessment (all but the section the test fills in), a draft and a case
    of hers at Līga's desk with Līga's assessment; Jānis represents Marta."""

    async def work() -> dict[str, int]:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, ANNA.personal_code, "Anna", "Bērziņa")
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            janis = await people.ensure_person(session, JANIS, "Jānis", "Kalniņš")
            marta = await people.ensure_person(session, MARTA, "Marta", "Kalniņa")
            await people.add_representation(session, janis, marta, RepresentationKind.PARENT, today().replace(year=2015), None)
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            contact = {"method": "post", "phone": "", "email": ""}
            case = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            for section in ADULTS.sections:
                answers = {q.id: ANNA_ANSWERS[q.id] for q in section.questions}
                await assessments.save_section(session, liga, anna, ADULTS, {**answers, **{k: v for k, v in LIGA_CHANGES.items() if k in answers}},
                                               application_id=case.id)
            draft = await applications.start_draft(session, anna, anna.id, today())
            ids = {"case": case.id, "draft": draft.id, "anna": anna.id, "marta": marta.id}
        await db.dispose()
        return ids

    return asyncio.run(work())


def complete_and_submit(database_url: str, person_id: int) -> int:
    """Every section as Anna answers them, submitted: the version's id."""

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.person_by_code(session, ANNA.personal_code)
            assert anna.id == person_id
            for section in ADULTS.sections:
                await assessments.save_section(session, anna, anna, ADULTS, {q.id: ANNA_ANSWERS[q.id] for q in section.questions})
            version = await assessments.submit(session, anna, anna)
            version_id = version.id
        await db.dispose()
        return version_id

    return asyncio.run(work())


def rating_fields(section_id: str, definition: Any = ADULTS) -> tuple[str, ...]:
    section = definition.section(section_id)
    return tuple(q.id for q in section.questions if q.required)


def go(driver: WebDriver, base: str, path: str) -> None:
    driver.get(base + path)
    wait_for_path(driver, path.split("?")[0].split("#")[0])


@pytest.mark.parametrize("lang", LANGS)
def test_assessment_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    ids = seed(database_url)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, ANNA.personal_code, lang)
    go(driver, live_server, f"/{lang}/assessment")
    check("task list, nothing answered")
    go(driver, live_server, f"/{lang}/assessment/mobility_outside")
    check("a section")
    submit(driver)
    check("a section, nothing answered", error=True, error_fields=rating_fields("mobility_outside"))
    # "Needs some help" without a comment: the comment's own error.
    tick(driver, "stairs", "some_help")
    for question in ("distances", "public_transport", "orientation"):
        tick(driver, question, "independent")
    submit(driver)
    check("a section, a comment missing", error=True, error_fields=("stairs-comment",), again=True)
    type_into(driver, "stairs-comment", "Kāpnes bez margām nevaru.")
    submit(driver)
    wait_for_path(driver, f"/{lang}/assessment/mobility_outside/check")
    check("a section's check page")
    go(driver, live_server, f"/{lang}/assessment")
    check("task list, one section done", again=True)

    version = complete_and_submit(database_url, ids["anna"])
    go(driver, live_server, f"/{lang}/assessment")
    check("task list with the latest result", again=True)
    go(driver, live_server, f"/{lang}/assessment/versions/{version}")
    check("the result")
    driver.find_element(By.CSS_SELECTOR, f'main form[action="/{lang}/assessment/versions/{version}/attach"] button').click()
    wait_until(driver, lambda d: d.title.startswith(("Kļūda", "Ошибка")), "the attach error")
    check("the result, no application chosen", error=True, error_fields=("application",), again=True)

    # A parent: the child's checklist, about her by name; a number that is not one.
    driver.delete_all_cookies()
    sign_in_as(driver, live_server, JANIS, lang)
    go(driver, live_server, f"/{lang}/assessment?for={ids['marta']}")
    check("a child's checklist, task list")
    number_section = next(s for s in CHILDREN.sections if any(q.kind == "number" for q in s.questions))
    number = next(q for q in number_section.questions if q.kind == "number")
    go(driver, live_server, f"/{lang}/assessment/{number_section.id}?for={ids['marta']}")
    check("a child's checklist, a section")
    type_into(driver, number.id, "daudz")
    submit(driver)
    check("a child's checklist, errors", error=True,
          error_fields=tuple(q.id for q in number_section.questions if q.required or q.id == number.id), again=True)

    # The desk: side by side, and its own section pages.
    driver.delete_all_cookies()
    sign_in_as(driver, live_server, LIGA, lang)
    case = f"/{lang}/desk/cases/{ids['case']}"
    go(driver, live_server, case + "/assessment")
    check("the desk's assessment beside the person's")
    go(driver, live_server, case + "/assessment/communication")
    check("the desk's assessment, a section")
    for question in rating_fields("communication"):
        tick(driver, question, "full_help")
    submit(driver)
    check("the desk's assessment, comments missing", error=True,
          error_fields=tuple(f"{q}-comment" for q in rating_fields("communication")), again=True)
    check.assert_none()


def test_the_whole_questionnaire_by_keyboard_in_latvian(browser: WebDriver, live_server: str) -> None:
    """Tab, Space, arrows, typing and Enter only: every section, the submit, the result."""
    driver, lang = browser, "lv"
    sign_in_as(driver, live_server, ANNA.personal_code, lang)
    go(driver, live_server, f"/{lang}/assessment")
    journey = Journey(driver, live_server, lang, [])

    def send() -> None:
        journey.tab_to("el.matches('main form[method=post] button[type=submit]')", "the form's submit button")
        before = driver.current_url
        press(driver, Keys.ENTER)
        wait_until(driver, lambda d: d.current_url != before, f"the page after {before}")

    for number, section in enumerate(ADULTS.sections):
        journey.tab_to(f"el.matches('a[href=\"/{lang}/assessment/{section.id}\"]')", f"the link to {section.id}")
        press(driver, Keys.ENTER)
        wait_for_path(driver, f"/{lang}/assessment/{section.id}")
        for question in section.questions:
            if question.kind == "rating":
                journey.tab_to(f"el.name === {question.id!r}", f"the rating {question.id}")
                press(driver, Keys.SPACE)  # the first level, then one down: "needs supervision"
                press(driver, Keys.ARROW_DOWN)
                assert active(driver, "el.value + ' ' + el.checked") == "supervision true"
                journey.assert_focus_visible()
                if number % 2:  # a comment on every other section (optional at this level)
                    journey.tab_to(f"el.id === '{question.id}-comment'", f"the comment on {question.id}")
                    press(driver, "Vajag, lai kāds ir blakus.")
            elif question.kind == "purposes":
                journey.tab_to(f"el.matches('input[name={question.id}][value=work_study_sport]')", "the purpose work")
                press(driver, Keys.SPACE)
                assert active(driver, "el.checked") is True
            elif question.kind in ("yes_no", "choice"):
                journey.tab_to(f"el.name === {question.id!r}", f"the question {question.id}")
                press(driver, Keys.SPACE)
        send()
        wait_for_path(driver, f"/{lang}/assessment/{section.id}/check")
        journey.tab_to(f"el.matches('main a[href=\"/{lang}/assessment\"]')", "back to the list of sections")
        press(driver, Keys.ENTER)
        wait_for_path(driver, f"/{lang}/assessment")
    send()  # "Submit the self-assessment"
    wait_until(driver, lambda d: "/assessment/versions/" in d.current_url, "the result page")
    assert driver.find_elements(By.CSS_SELECTOR, "main .summary-list")
    assert "80" in driver.find_element(By.TAG_NAME, "main").text


def test_leave_halfway_and_come_back_without_javascript_in_russian(browser_no_js: WebDriver, live_server: str) -> None:
    driver, lang = browser_no_js, "ru"
    sign_in_as(driver, live_server, OLGA.personal_code, lang)
    assert_scripts_do_not_run(driver)

    def answer_section(section: Any) -> None:
        driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/assessment/{section.id}"]').click()
        wait_for_path(driver, f"/{lang}/assessment/{section.id}")
        for question in section.questions:
            if question.kind == "rating":
                tick(driver, question.id, "some_help")
                type_into(driver, f"{question.id}-comment", "Нужна помощь другого человека.")
            elif question.kind == "purposes":
                tick(driver, question.id, "work_study_sport")
            elif question.kind == "yes_no":
                tick(driver, question.id, "no")
            elif question.kind == "choice":
                tick(driver, question.id, question.options[0].value)
        submit(driver)
        wait_for_path(driver, f"/{lang}/assessment/{section.id}/check")
        driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/assessment"]').click()
        wait_for_path(driver, f"/{lang}/assessment")

    driver.get(f"{live_server}/{lang}/dashboard")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/assessment"]').click()
    wait_for_path(driver, f"/{lang}/assessment")
    half = len(ADULTS.sections) // 2
    for section in ADULTS.sections[:half]:
        answer_section(section)

    # Leave, sign out, and come back another time.
    driver.delete_all_cookies()
    sign_in_as(driver, live_server, OLGA.personal_code, lang)
    driver.get(f"{live_server}/{lang}/dashboard")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/assessment"]').click()
    wait_for_path(driver, f"/{lang}/assessment")
    statuses = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "main .task-list__status")]
    assert len(set(statuses[:half])) == 1 and statuses[0] != statuses[-1], statuses  # done, then not started
    for section in ADULTS.sections[half:]:
        answer_section(section)
    submit(driver)
    wait_until(driver, lambda d: "/assessment/versions/" in d.current_url, "the result page")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "160" in main  # "needs some help" everywhere: the higher intensity for work
    driver.find_element(By.CSS_SELECTOR, 'main form[action$="/apply"] button').click()
    wait_until(driver, lambda d: d.current_url.endswith("/service"), "the apply journey's first question")
