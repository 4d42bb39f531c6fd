"""What `python -m bench` loads: the pages, who is signed in for each, and each size's portal made ready.

The same targets run against each size's portal (demo and national), each signed in as the demo
person whose page it is: Līga Liepiņa, the demo caseworker of Rīga (at national volume half the
country's cases are Rīga's), for the desk; Pēteris Zariņš, the demo survey analyst, for the
survey's results; the `--person` for the dashboard. The case and the personal code searched for
are a demo person's (Marta Kalniņa's submitted application), which both databases hold, so that a
page shows the same thing at both sizes and only the volume around it differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from subprocess import Popen
from urllib.parse import urlsplit

import httpx

from portal.people.demo import LIGA, MARTA, PETERIS

VISITOR, PERSON, CASEWORKER, ANALYST = "visitor", "person", "caseworker", "analyst"
CASE = "{case}"  # in a path: the case's id, found at each size by searching the desk as the caseworker does
SAMPLE_PERCENT = 10  # what the sample page proposes (casework/reports_routes.py)


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    who: str
    staff: bool = False  # a page a caseworker or analyst uses daily: issue 12's p95 bound applies

    def path_at(self, site: Site) -> str:
        return self.path.replace(CASE, str(site.case_id))


TARGETS: tuple[Target, ...] = (
    Target("start", "/lv/", VISITOR),
    Target("dashboard", "/lv/dashboard", PERSON),
    Target("desk: queue", "/lv/desk", CASEWORKER, staff=True),
    Target("desk: search by code", f"/lv/desk?q={MARTA.personal_code}", CASEWORKER, staff=True),
    Target("desk: my cases", "/lv/desk?whose=mine", CASEWORKER, staff=True),
    Target("desk: a case", f"/lv/desk/cases/{CASE}", CASEWORKER, staff=True),
    Target("month's reports", "/lv/desk/reports", CASEWORKER, staff=True),
    Target("reports waiting", "/lv/desk/reports?status=submitted", CASEWORKER, staff=True),
    Target("control sample", "/lv/desk/sample", CASEWORKER, staff=True),
    Target("payroll CSV", "/lv/desk/payroll.csv", CASEWORKER, staff=True),
    Target("summary", "/lv/desk/summary", CASEWORKER, staff=True),
    Target("survey results", "/lv/analysis/portal-2026", ANALYST, staff=True),
)

# Measured for their weight only: they do not change with the volume.
WEIGHT_ONLY: tuple[Target, ...] = (
    Target("start (ru)", "/ru/", VISITOR),
    Target("settings", "/lv/settings", VISITOR),
    Target("accessibility", "/lv/accessibility", VISITOR),
)

STAFF = {CASEWORKER: LIGA.personal_code, ANALYST: PETERIS.personal_code}


@dataclass
class Site:
    """One size's portal: where it answers, its process, and everyone's cookies once signed in."""

    size: str  # "demo" or "national"
    database_url: str
    base_url: str
    process: Popen[bytes]
    env: dict[str, str]
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    case_id: int = 0
    sample_note: str = ""

    @property
    def database_name(self) -> str | None:
        """The PostgreSQL database's name (its server processes' CPU is measured), None for SQLite."""
        url = urlsplit(self.database_url)
        return url.path.lstrip("/") if url.scheme.startswith("postgres") else None

    def cookies_for(self, target: Target) -> dict[str, str]:
        return self.cookies[target.who]


CASE_LINK = re.compile(r'href="/lv/desk/cases/(\d+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def find_case(site: Site) -> int:
    """The first case the caseworker's search for the demo person's code lists."""
    with httpx.Client(base_url=site.base_url, cookies=site.cookies[CASEWORKER], timeout=30, trust_env=False) as desk:
        page = desk.get(f"/lv/desk?q={MARTA.personal_code}")
    found = CASE_LINK.search(page.text) if page.status_code == 200 else None
    if found is None:
        raise RuntimeError(f"{site.size}: the desk's search for {MARTA.personal_code} answered {page.status_code} without a case link")
    return int(found.group(1))


def draw_sample(site: Site) -> str:
    """Draw last month's control sample as the caseworker does (the page proposes 10 %), so that the
    sample page lists what a caseworker checks. Returns what happened, for the printout."""
    with httpx.Client(base_url=site.base_url, cookies=site.cookies[CASEWORKER], timeout=60, trust_env=False) as desk:
        form = desk.get("/lv/desk/sample")
        token = CSRF_FIELD.search(form.text)
        if form.status_code != 200 or token is None:
            raise RuntimeError(f"{site.size}: /lv/desk/sample answered {form.status_code} without a form to draw a sample")
        drawn = desk.post("/lv/desk/sample", data={"csrf_token": token.group(1), "percent": str(SAMPLE_PERCENT)})
    if drawn.status_code == 303:
        return f"{SAMPLE_PERCENT} % of last month's confirmed reports drawn"
    if drawn.status_code == 422:
        return "no sample drawn (no confirmed reports left to draw)"
    raise RuntimeError(f"{site.size}: drawing a sample answered {drawn.status_code}")

