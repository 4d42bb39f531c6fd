"""Every page is valid HTML by an independent validator: the Nu HTML Checker (vnu.jar from npm)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.client import TestClient
from tests.conftest import ROOT, csrf_of, set_provider_user, sign_in

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# One short run per check: the client compiler only and the serial collector take under half the CPU
# of the JVM's defaults (whose optimising compiler never pays off in a run this short); C1's deeper
# frames need a larger stack than the checker's schema evaluation asks for (512k).
JAVA_OPTIONS = ("-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")

# The Nu HTML Checker comes from npm and runs on Java, like the browser tests' tools: `-m 'not browser'` leaves it out.
pytestmark = pytest.mark.browser


def collect_pages(client: TestClient, provider: str) -> dict[str, str]:
    pages: dict[str, str] = {}
    for lang in ("lv", "ru"):
        for path in ("/", "/settings", "/accessibility", "/components", "/signed-out", "/session-ended", "/no-such-page"):
            pages[f"{lang}{path}"] = client.get(f"/{lang}{path}").text
        token = csrf_of(pages[f"{lang}/settings"])
        pages[f"{lang}/settings (error)"] = client.post(f"/{lang}/settings", data={"csrf_token": token, "text": "huge"}).text
        pages[f"{lang}/settings (no csrf)"] = client.post(f"/{lang}/settings", data={}).text
    set_provider_user(provider, "malformed", {"given_name": "X"})
    pages["sign-in failed"] = sign_in(client, "malformed").text
    sign_in(client, "150385-11001")
    for lang in ("lv", "ru"):
        pages[f"{lang}/dashboard"] = client.get(f"/{lang}/dashboard").text
        pages[f"{lang}/settings (signed in)"] = client.get(f"/{lang}/settings").text
        contact = f"/{lang}/settings/contact"
        pages[f"{lang}/contact details"] = client.get(contact).text
        token = csrf_of(pages[f"{lang}/contact details"])
        wrong = {"csrf_token": token, "email": "x", "phone": "1", "channel": "sms", "language": lang}
        pages[f"{lang}/contact details (error)"] = client.post(contact, data=wrong).text
        saved = client.post(contact, data={"csrf_token": token, "email": f"{lang}@example.lv", "channel": "email", "language": lang})
        pages[f"{lang}/confirm the address"] = client.get(saved.headers["location"]).text
        pages[f"{lang}/confirm the address (error)"] = client.post(saved.headers["location"], data={"csrf_token": token, "code": "1"}).text
        pages[f"{lang}/settings (contact details saved)"] = client.get(f"/{lang}/settings").text
    return pages


def collect_application_pages(client: TestClient, database_url: str) -> dict[str, str]:
    """The apply journey's pages, the status pages, the answer to a request and the desk, with error states."""
    from tests.applications.test_details import complete_adult, post
    from tests.casework.test_desk import LIGA, make_caseworker, switch_to

    pages: dict[str, str] = {}
    make_caseworker(database_url, LIGA, "riga")
    check = complete_adult(client)
    steps = ("service", "disability-group", "limitations", "details", "contact", "purposes", "frequency", "assistant",
             "documents", "declarations")
    for step in steps:
        path = check.replace("/check", f"/{step}")
        pages[step] = client.get(path).text
        bad_file = {"document-work-or-studies": ("a.pdf", b"not a pdf", "application/pdf")} if step == "documents" else None
        pages[f"{step} (error)"] = post(client, path, {}, files=bad_file).text
    pages["apply start"] = client.get("/lv/apply").text
    pages["for whom"] = client.get("/lv/apply/new").text
    pages["check"] = client.get(check).text
    confirmation = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(pages["check"])}).headers["location"]
    status = confirmation.removesuffix("/submitted")
    case = "/lv/desk/cases/" + status.rsplit("/", 1)[1]
    pages["confirmation"] = client.get(confirmation).text
    pages["status"] = client.get(status).text
    pages["applications"] = client.get("/lv/applications").text
    pages["withdraw"] = client.get(status + "/withdraw").text
    pages["withdraw (error)"] = post(client, status + "/withdraw", {"reason": "x" * 1001}).text
    switch_to(client, LIGA)
    pages["desk"] = client.get("/ru/desk").text
    pages["case"] = client.get(case).text
    for action in ("request-information", "grant", "refuse", "assign", "note"):
        pages[action] = client.get(f"{case}/{action}").text
        pages[f"{action} (error)"] = post(client, f"{case}/{action}", {}).text
    post(client, f"{case}/request-information", {"message": "Lūdzu, atsūtiet līgumu."})
    switch_to(client, "150385-11001")
    pages["respond"] = client.get(status + "/respond").text
    pages["respond (error)"] = post(client, status + "/respond", {}).text
    return pages


def assert_valid(pages: dict[str, str], tmp_path: Path) -> None:
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make test` (npm ci installs the Nu HTML Checker)")
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page{number}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = name
    result = subprocess.run(
        ["java", *JAVA_OPTIONS, "-jar", str(VNU), "--format", "json", "--stdout", *files], capture_output=True, text=True, timeout=300
    )
    assert result.returncode in (0, 1) and result.stdout, f"the checker did not run: {result.stderr[-500:]}"
    messages = json.loads(result.stdout).get("messages", [])
    problems = [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert problems == []


def test_every_page_is_valid_html(client: TestClient, provider: str, tmp_path: Path) -> None:
    assert_valid(collect_pages(client, provider), tmp_path)


def test_every_application_and_desk_page_is_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    pages = collect_application_pages(client, database_url)
    assert len(pages) == 42 and [name for name, html in pages.items() if "<main" not in html] == []
    assert_valid(pages, tmp_path)


def collect_assessment_pages(client: TestClient, database_url: str) -> dict[str, str]:
    """The self-assessment's pages and error states, the child's checklist, and the desk's side."""
    from tests.applications.test_details import complete_adult, post
    from tests.applications.test_routes import add_parent
    from tests.assessment.test_routes import ADULTS, CHILDREN, fill_all, section_form, submit
    from tests.casework.test_desk import LIGA, make_caseworker, switch_to

    pages: dict[str, str] = {}
    make_caseworker(database_url, LIGA, "riga")
    add_parent(database_url)
    check = complete_adult(client)
    pages["task list"] = client.get("/lv/assessment").text
    for section in ADULTS.sections:
        pages[section.id] = client.get(f"/lv/assessment/{section.id}").text
        pages[f"{section.id} (error)"] = post(client, f"/lv/assessment/{section.id}", {}).text
    fill_all(client, ADULTS)
    pages["section check"] = client.get(f"/ru/assessment/{ADULTS.sections[0].id}/check").text
    result = submit(client)
    pages["result"] = client.get(result).text
    pages["result (error)"] = post(client, result + "/attach", {}).text
    pages["task list with a result"] = client.get("/ru/assessment").text
    client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    case = f"/lv/desk/cases/{check.split('/')[-2]}"
    switch_to(client, "020790-11000")
    marta = client.get("/lv/assessment").text.split("/lv/assessment?for=")[1].split('"')[0]
    pages["child's task list"] = client.get(f"/lv/assessment?for={marta}").text
    for section in CHILDREN.sections:
        pages[f"child: {section.id}"] = client.get(f"/lv/assessment/{section.id}?for={marta}").text
        pages[f"child: {section.id} (error)"] = post(client, f"/lv/assessment/{section.id}?for={marta}", {}).text
    switch_to(client, LIGA)
    pages["desk: side by side"] = client.get(f"{case}/assessment").text
    pages["desk: a section"] = client.get(f"{case}/assessment/communication").text
    pages["desk: a section (error)"] = post(client, f"{case}/assessment/communication", {}).text
    post(client, f"{case}/assessment/communication", section_form(ADULTS, "communication", "full_help"))
    pages["desk: side by side, started"] = client.get(f"{case}/assessment").text
    return pages


def test_every_assessment_page_is_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    pages = collect_assessment_pages(client, database_url)
    assert [name for name, html in pages.items() if "<main" not in html] == []
    assert all("Kļūda:" in html for name, html in pages.items() if name.endswith("(error)"))
    assert_valid(pages, tmp_path)


def collect_month_pages(client: TestClient, database_url: str) -> dict[str, str]:
    """The assistant's and the person's pages of the month, with their error states."""
    from tests.applications.test_details import post
    from tests.casework.test_desk import switch_to
    from tests.timesheets.helpers import ANNA, ILZE, grant_and_assign, recorded_and_submitted
    from tests.timesheets.test_assistant import add

    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    switch_to(client, ILZE)
    month = f"/lv/assistant/{grants.marta_assignment}/{grants.last_month:%Y-%m}"
    pages = {"assistant": client.get("/lv/assistant").text, "month": client.get(month).text}
    pages["month (error)"] = add(client, month, grants.last_month, "", "").text  # type: ignore[attr-defined]
    add(client, month, grants.last_month.replace(day=2), "15:00", "16:00", purpose="school")
    pages["month with an entry"] = client.get(month).text
    pages["month, changing an entry"] = client.get(month + "?edit=" + pages["month with an entry"].split("?edit=")[1].split('"')[0]).text
    pages["submitted month"] = client.get(f"/ru/assistant/{grants.anna_assignment}/{grants.last_month:%Y-%m}").text
    switch_to(client, ANNA)
    pages["entitlement"] = client.get("/lv/entitlement").text
    pages["reports"] = client.get("/ru/reports").text
    pages["report"] = client.get(f"/lv/reports/{report}").text
    pages["confirm"] = client.get(f"/lv/reports/{report}/confirm").text
    pages["confirm (error)"] = post(client, f"/lv/reports/{report}/confirm", {}).text
    pages["dispute"] = client.get(f"/ru/reports/{report}/dispute").text
    pages["dispute (error)"] = post(client, f"/ru/reports/{report}/dispute", {}).text
    pages["dashboard"] = client.get("/lv/dashboard").text
    return pages


def test_every_month_page_is_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    pages = collect_month_pages(client, database_url)
    assert [name for name, html in pages.items() if "<main" not in html] == []
    assert all(("Kļūda:" in html or "Ошибка:" in html) for name, html in pages.items() if name.endswith("(error)"))
    assert_valid(pages, tmp_path)


def test_every_survey_page_is_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    from tests.applications.test_details import post
    from tests.casework.test_desk import switch_to
    from tests.surveys.test_routes import PORTAL, RECIPIENTS, page_answers, post_page
    from tests.timesheets.helpers import ANNA, grant_and_assign

    grant_and_assign(database_url)
    pages = {"public start": client.get(f"/lv/surveys/{PORTAL.id}").text, "public page": client.get(f"/ru/surveys/{PORTAL.id}/1").text}
    switch_to(client, ANNA)
    pages["list"] = client.get("/lv/surveys").text
    pages["start"] = client.get(f"/lv/surveys/{RECIPIENTS.id}").text
    pages["page (error)"] = post(client, f"/lv/surveys/{RECIPIENTS.id}/1", {}).text
    for number in range(1, len(RECIPIENTS.pages) + 1):
        pages[f"page {number}"] = client.get(f"/ru/surveys/{RECIPIENTS.id}/{number}").text
        post_page(client, "lv", RECIPIENTS, number, page_answers(RECIPIENTS, number))
    pages["check"] = client.get(f"/lv/surveys/{RECIPIENTS.id}/check").text
    client.post(f"/lv/surveys/{RECIPIENTS.id}/submit", data={"csrf_token": csrf_of(pages["check"])})
    pages["thanks"] = client.get(f"/lv/surveys/{RECIPIENTS.id}/thanks").text
    pages["answered"] = client.get(f"/ru/surveys/{RECIPIENTS.id}").text
    assert [name for name, html in pages.items() if "<main" not in html] == []
    assert_valid(pages, tmp_path)


def test_every_analysis_page_is_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    from tests.conftest import sign_in
    from tests.surveys.test_analysis import PETERIS, RECIPIENTS, seed

    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "5", "what_to_change": "Vairāk."})] * 6)
    sign_in(client, PETERIS)
    pages = {"index": client.get("/lv/analysis").text, "survey": client.get(f"/ru/analysis/{RECIPIENTS.id}").text,
             "too few": client.get(f"/lv/analysis/{RECIPIENTS.id}?language=ru").text, "dashboard": client.get("/lv/dashboard").text}
    assert_valid(pages, tmp_path)
