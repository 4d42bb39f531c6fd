"""The soak's signed-in clients: a browser-like httpx client per person, the roles they play, and
the journal of every write they attempted (bench/soak.py runs them; bench/soak_check.py checks
the journal against the database).

Each client holds one keep-alive connection, signs in through the mock eID provider as a demo
person, and then loops until the deadline: think (0–200 ms), read a page, maybe fill in its
form and post it, follow the redirect as a browser would. A write is *acknowledged* only when
the answer says it was done (the redirect that the portal sends after success); an answer that
says no (422, or a redirect without the success marker) is *refused*; no answer (the connection
broke, a timeout, a 5xx) leaves it *unknown*: it may or may not have been written.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0  # seconds: longer than the portal's own pool timeout, so its answer (503) arrives
THINK_SECONDS = 0.2  # at most, between one page and the next


# ------------------------------------------------------------------ pages


@dataclass
class FoundForm:
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name -> its non-empty option values


class PageParser(HTMLParser):
    """The page's links and POST forms (hidden fields, select options): what a person could follow or send."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[FoundForm] = []
        self._form: FoundForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = FoundForm(a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self._form.hidden[a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.options[self._select] = []
        elif self._form is not None and tag == "option" and self._select and a.get("value"):
            self._form.options[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@dataclass
class Page:
    path: str
    status: int
    html: str
    links: list[str]
    forms: list[FoundForm]

    def form(self, action_ends: str) -> FoundForm | None:
        return next((f for f in self.forms if urlsplit(f.action).path.endswith(action_ends)), None)


def parse(path: str, response: httpx.Response) -> Page:
    parser = PageParser()
    html = response.text if response.headers.get("content-type", "").startswith("text/html") else ""
    parser.feed(html)
    return Page(path, response.status_code, html, parser.links, parser.forms)


# ------------------------------------------------------------- the figures


@dataclass
class Stats:
    """Every request of every client: answers by status, no answers by reason, latencies."""

    statuses: Counter[int] = field(default_factory=Counter)
    no_answer: Counter[str] = field(default_factory=Counter)
    retry_after_503: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, requests that got an answer
    server_errors: list[str] = field(default_factory=list)  # "500 POST /lv/..." for the report, first few
    unexpected_sign_in: int = 0  # answers sending a signed-in client to sign in again
    failed_sign_ins: int = 0  # sign-ins that failed and were tried again
    posts_in_flight: int = 0  # POSTs sent and not yet answered (the worker is killed while some are)
    t0: float = 0.0  # perf_counter when the soak began
    seconds: float = 0.0  # how long it ran
    answered_at: Counter[int] = field(default_factory=Counter)  # second of the soak -> answers that arrived in it
    failed_at: Counter[int] = field(default_factory=Counter)  # second of the soak -> requests that failed in it

    def answered(self, method: str, path: str, response: httpx.Response, seconds: float) -> None:
        self.statuses[response.status_code] += 1
        self.latencies.append(seconds)
        if response.status_code == 503 and response.headers.get("retry-after"):
            self.retry_after_503 += 1
        if response.status_code >= 500 and response.status_code != 503 and len(self.server_errors) < 20:
            self.server_errors.append(f"{response.status_code} {method} {path}")


class Outcome(StrEnum):
    ACKED = "acked"  # the portal answered that it was done
    REFUSED = "refused"  # the portal answered that it was not done (a rule, a stale page, a locked report)
    UNKNOWN = "unknown"  # no answer (connection broken, timeout) or a 5xx: maybe done, maybe not


@dataclass
class Write:
    """One write a client attempted, with what is needed to find it in the database afterwards."""

    kind: str  # "entry_add", "entry_delete", "confirm", "section", "submit", "correct"
    key: str  # the entry's note tag; the report id; "person_id/section"
    sent: float  # perf_counter when the request left
    outcome: Outcome = Outcome.UNKNOWN
    answered: float | None = None  # perf_counter of the answer (acknowledged or refused)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Journal:
    writes: list[Write] = field(default_factory=list)

    def start(self, kind: str, key: str, **detail: Any) -> Write:
        write = Write(kind, key, time.perf_counter(), detail=detail)
        self.writes.append(write)
        return write


# ------------------------------------------------------------ the browser


class SignedOut(Exception):
    """The portal sent a signed-in client to sign in."""


class Browser:
    """One person's browser: a cookie jar and one keep-alive connection to the portal."""

    def __init__(self, base_url: str, lang: str, stats: Stats) -> None:
        self.base_url = base_url
        self.lang = lang
        self.stats = stats
        self.http = httpx.AsyncClient(
            base_url=base_url, follow_redirects=False, timeout=REQUEST_TIMEOUT, trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, data: dict[str, str] | None = None) -> httpx.Response | None:
        """The answer, or None when there was none (counted by reason)."""
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, data=data)
        except httpx.TimeoutException:
            self.stats.no_answer["timeout"] += 1
            self.stats.failed_at[int(time.perf_counter() - self.stats.t0)] += 1
            return None
        except httpx.TransportError as error:
            self.stats.no_answer[type(error).__name__] += 1
            self.stats.failed_at[int(time.perf_counter() - self.stats.t0)] += 1
            return None
        self.stats.answered(method, path, response, time.perf_counter() - started)
        self.stats.answered_at[int(time.perf_counter() - self.stats.t0)] += 1
        location = response.headers.get("location", "")
        if response.status_code in (302, 303) and "/sign-in" in location:
            self.stats.unexpected_sign_in += 1
            raise SignedOut(path)
        return response

    async def get(self, path: str) -> Page | None:
        response = await self.request("GET", path)
        return parse(path, response) if response is not None else None

    async def post(self, form: FoundForm, fields: dict[str, str]) -> httpx.Response | None:
        self.stats.posts_in_flight += 1
        try:
            return await self.request("POST", form.action, data={**form.hidden, **fields})
        finally:
            self.stats.posts_in_flight -= 1

    async def follow(self, path: str, response: httpx.Response) -> Page | None:
        """What the browser shows after a POST: the redirect followed at once (no think time),
        or the page the answer carries (a form with errors, 422)."""
        location = response.headers.get("location", "")
        if response.status_code in (301, 302, 303) and location:
            return await self.get(location)
        return parse(path, response) if response.status_code == 422 else None


async def think() -> None:
    await asyncio.sleep(random.uniform(0, THINK_SECONDS))


def _local(url: str) -> str:
    if urlsplit(url).hostname != HOST:
        raise RuntimeError(f"refusing to contact {url}: the soak only talks to {HOST}")
    return url


async def sign_in(browser: Browser, personal_code: str) -> None:
    """The real redirect flow: portal -> mock eID provider -> portal callback (as bench/__main__.py's sign_in)."""
    start = await browser.http.get(f"/{browser.lang}/sign-in")
    if start.status_code not in (302, 303):
        raise RuntimeError(f"/{browser.lang}/sign-in answered {start.status_code}")
    authorize = _local(start.headers["location"])
    async with httpx.AsyncClient(follow_redirects=False, timeout=REQUEST_TIMEOUT, trust_env=False) as provider:
        if (await provider.get(authorize)).status_code != 200:
            raise RuntimeError("the mock provider did not show its sign-in page")
        chosen = await provider.post(authorize, data={"sub": personal_code})
    if chosen.status_code not in (302, 303):
        raise RuntimeError(f"the mock provider answered {chosen.status_code} to signing in as {personal_code}")
    callback = await browser.http.get(_local(chosen.headers["location"]))
    if callback.status_code not in (302, 303):
        raise RuntimeError(f"/auth/callback answered {callback.status_code} for {personal_code}")


SIGN_IN_ATTEMPTS = 5


async def sign_in_again(browser: Browser, personal_code: str) -> None:
    """Sign in, trying again a few times: while a worker restarts or the pool is full, one attempt may fail."""
    for attempt in range(1, SIGN_IN_ATTEMPTS + 1):
        try:
            await sign_in(browser, personal_code)
            return
        except (RuntimeError, httpx.HTTPError):
            if attempt == SIGN_IN_ATTEMPTS:
                raise
            browser.stats.failed_sign_ins += 1
            await asyncio.sleep(attempt * 0.5)


# ------------------------------------------------------------------ roles


@dataclass(frozen=True)
class DraftSection:
    """A self-assessment section a drafter fills in: whose, which, and its rating questions."""

    person_id: int
    section: str
    questions: tuple[str, ...]  # rating question ids
    levels: tuple[str, ...]  # the rating values the questionnaire allows


@dataclass(frozen=True)
class Role:
    name: str  # "assistant" | "recipient" | "drafter" | "reader"
    personal_code: str
    lang: str = "lv"
    month: str = ""  # assistant: "current" or "previous"
    pick: int = 0  # assistant: which of the assigned people (index); drafter: unused
    for_id: int | None = None  # recipient acting for a represented person
    draft: DraftSection | None = None
    reads: tuple[str, ...] = ("/dashboard",)


@dataclass
class Context:
    """What every client shares: the journal, the figures, the deadline, the months."""

    journal: Journal
    stats: Stats
    deadline: float
    today: date
    next_tag: Callable[[str], str]
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def running(self) -> bool:
        return time.perf_counter() < self.deadline and not self.stop.is_set()


def settle(write: Write, response: httpx.Response | None, done: Callable[[httpx.Response], bool]) -> None:
    """The outcome of a POST from its answer."""
    if response is None or response.status_code >= 500:
        write.outcome = Outcome.UNKNOWN
        return
    write.answered = time.perf_counter()
    write.outcome = Outcome.ACKED if done(response) else Outcome.REFUSED


def _location(response: httpx.Response) -> str:
    return response.headers.get("location", "") if response.status_code in (302, 303) else ""


def _redirected_to(path_end: str) -> Callable[[httpx.Response], bool]:
    """Done when the answer redirects to the page that says so (its path ends so)."""
    return lambda response: _location(response).split("?")[0].endswith(path_end)


MONTH_LINK = re.compile(r"/assistant/(\d+)/(\d{4}-\d{2})$")
REPORT_LINK = re.compile(r"/reports/(\d+)$")
DELETE_ACTION = re.compile(r"/entries/(\d+)/delete$")


def _own_entries(page: Page, tags: Sequence[str]) -> list[tuple[str, str]]:
    """(tag, delete action) of the client's own entries on the month page: its rows carry its note."""
    found = []
    for row in page.html.split("<tr")[1:]:
        tag = next((t for t in tags if t in row), None)
        action = re.search(r'action="([^"]*/entries/\d+/delete)"', row)
        if tag and action:
            found.append((tag, action.group(1)))
    return found


async def assistant(browser: Browser, role: Role, ctx: Context) -> None:
    """Ilze records hours: adds entries, deletes some of her own, submits a finished month, starts corrections."""
    await think()
    people = await browser.get(f"/{browser.lang}/assistant")
    if people is None or people.status != 200:
        return  # no answer, or shed (503): the caller comes back here
    this_month = ctx.today.strftime("%Y-%m")
    months = sorted({(m.group(1), m.group(2)) for link in people.links if (m := MONTH_LINK.search(link))})
    wanted = [(a, m) for a, m in months if (m == this_month) == (role.month == "current")]
    if not wanted:
        raise RuntimeError(f"the assistant has no {role.month} month to record (links: {months})")
    assignment, month = wanted[role.pick % len(wanted)]
    month_path = f"/{browser.lang}/assistant/{assignment}/{month}"
    mine: list[str] = []  # tags of the entries this client added (and did not see deleted)
    page: Page | None = None
    while ctx.running():
        await think()
        if page is None or random.random() < 0.1:
            page = await browser.get(month_path if random.random() < 0.9 else f"/{browser.lang}/dashboard")
            if page is None or page.path != month_path:
                page = None
                continue
            await think()  # reading the month, then filling the form
        entry_form, correct_form, submit_form = page.form(month_path), page.form("/correct"), page.form("/submit")
        own = _own_entries(page, mine)
        chance = random.random()
        if correct_form is not None:
            write = ctx.journal.start("correct", f"{assignment}/{month}")
            response = await browser.post(correct_form, {})
            settle(write, response, lambda r: r.status_code == 303)
        elif entry_form is None:
            page = None  # submitted: nothing to change until the person answers
            await asyncio.sleep(THINK_SECONDS)
            continue
        elif submit_form is not None and role.month == "previous" and chance < 0.1:
            write = ctx.journal.start("submit", f"{assignment}/{month}")
            response = await browser.post(submit_form, {})
            settle(write, response, lambda r: r.status_code == 303)
        elif own and chance < 0.4:
            tag, action = random.choice(own)
            form = next(f for f in page.forms if f.action == action)
            write = ctx.journal.start("entry_delete", tag)
            response = await browser.post(form, {})
            settle(write, response, lambda r: "done=deleted" in _location(r))
            if write.outcome is Outcome.ACKED:
                mine.remove(tag)
        else:
            days = entry_form.options.get("day", [])
            purposes = entry_form.options.get("purpose", [])
            if not days or not purposes:
                raise RuntimeError(f"{month_path}: the entry form offers no day or purpose")
            day = random.choice(days)
            start = random.randrange(0, 23 * 4) * 15
            end = min(start + random.choice((15, 30, 45, 60, 90, 120)), 24 * 60)
            tag = ctx.next_tag("e")
            write = ctx.journal.start("entry_add", tag, assignment=int(assignment), month=month, day=day,
                                      start=start, end=end)
            mine.append(tag)
            response = await browser.post(entry_form, {
                "day": day, "start": f"{start // 60:02d}:{start % 60:02d}", "end": f"{end // 60:02d}:{end % 60:02d}",
                "purpose": random.choice(purposes), "note": tag,
            })
            settle(write, response, lambda r: "done=added" in _location(r))
            if write.outcome is Outcome.REFUSED:
                mine.remove(tag)
        page = await browser.follow(month_path, response) if response is not None else None
        if page is not None and page.path.split("?")[0] != month_path:
            page = None


async def recipient(browser: Browser, role: Role, ctx: Context) -> None:
    """Anna (or Jānis for Marta) reads the reports and confirms the one that waits."""
    suffix = f"?for={role.for_id}" if role.for_id else ""
    while ctx.running():
        await think()
        listing = await browser.get(f"/{browser.lang}/reports{suffix}")
        if listing is None:
            continue
        ids = sorted({m.group(1) for link in listing.links if (m := REPORT_LINK.search(link.split("?")[0]))})
        if random.random() < 0.2:
            await think()
            await browser.get(random.choice([f"/{browser.lang}/entitlement{suffix}", f"/{browser.lang}/dashboard"]))
        if not ids:
            continue
        report_id = random.choice(ids)
        await think()
        shown = await browser.get(f"/{browser.lang}/reports/{report_id}")
        if shown is None or not any(link.split("?")[0].endswith(f"/reports/{report_id}/confirm") for link in shown.links):
            continue
        await think()
        confirm_page = await browser.get(f"/{browser.lang}/reports/{report_id}/confirm")
        form = confirm_page.form("/confirm") if confirm_page is not None else None
        if form is None:
            continue
        await think()  # reading the entries, ticking the box
        write = ctx.journal.start("confirm", report_id, by=role.personal_code)
        response = await browser.post(form, {"received": "yes"})
        settle(write, response, _redirected_to(f"/reports/{report_id}/confirmed"))
        if response is not None:
            await browser.follow(form.action, response)


async def drafter(browser: Browser, role: Role, ctx: Context) -> None:
    """Someone filling in a self-assessment draft: one section, again and again, each time with new words."""
    assert role.draft is not None
    draft = role.draft
    path = f"/{browser.lang}/assessment/{draft.section}"
    while ctx.running():
        await think()
        if random.random() < 0.2:
            await browser.get(random.choice([f"/{browser.lang}/assessment", f"/{browser.lang}/dashboard"]))
            await think()
        page = await browser.get(path)
        form = page.form(path) if page is not None else None
        if form is None:
            continue
        await think()
        tag = ctx.next_tag("s")
        answers = {q: {"rating": random.choice(draft.levels), "comment": tag} for q in draft.questions}
        fields = {k: v for q, a in answers.items() for k, v in ((q, a["rating"]), (f"{q}-comment", a["comment"]))}
        write = ctx.journal.start("section", f"{draft.person_id}/{draft.section}", answers=answers, tag=tag)
        response = await browser.post(form, fields)
        settle(write, response, _redirected_to(f"{path}/check"))
        if response is not None:
            await browser.follow(path, response)


async def reader(browser: Browser, role: Role, ctx: Context) -> None:
    """Staff and others who only look: the overview, the desk, the month's reports."""
    while ctx.running():
        await think()
        await browser.get(f"/{browser.lang}{random.choice(role.reads)}")


ROLES = {"assistant": assistant, "recipient": recipient, "drafter": drafter, "reader": reader}
