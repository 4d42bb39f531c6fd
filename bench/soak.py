"""`python -m bench.soak`: signed-in clients reading and writing for a while, one worker killed, then every acknowledged write checked.

Not run in CI. Everything runs on 127.0.0.1: a PostgreSQL database of its own (its schema
dropped and created again, migrated, the demo data seeded), the mock eID provider and an SMTP
sink (threads here), and the portal under uvicorn with two worker processes. N clients sign
in through the provider as demo people and play their parts (bench/soak_clients.py) for T
seconds; at --kill-at seconds one worker process gets SIGKILL while writes are in flight, and
uvicorn's supervisor starts another. Afterwards the servers stop and bench/soak_check.py
compares the database with what the clients were told. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg

with warnings.catch_warnings():  # authlib's deprecation notices, printed on import
    import authlib.deprecate  # noqa: F401 - on import it asks for its notices "always" ...

    warnings.simplefilter("ignore")  # ... which this overrides, until the imports are done
    from bench.__main__ import _free_port, _loop_factory, _stop, _uvicorn_impl
    from bench.load import machine_cpu_seconds, process_cpu_seconds
    from bench.soak_check import Findings, check
    from bench.soak_clients import ROLES, Browser, Context, DraftSection, Journal, Role, SignedOut, Stats, sign_in_again
    from portal import clock, demo
    from portal import db as database
    from portal.assessment.definitions import current
    from portal.eid.mock_provider import running_provider
    from portal.people import demo as people
    from portal.storage import FileStorage

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/h_soak"
SECRET_KEY = "soak-secret-key-not-for-production"
SIGN_IN_AT_ONCE = 8  # concurrent sign-ins while the clients start (the provider is a thread here)
# The portal's pool and timeout settings, passed through when set (names as portal/settings.py has them).
PASSED_THROUGH = ("PORTAL_DB_",)
# The last line of a traceback: "sqlalchemy.orm.exc.StaleDataError: UPDATE statement on ...".
EXCEPTION_LINE = re.compile(r"^((?:[a-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Violation)\b.*)$", re.MULTILINE)


# ------------------------------------------------------------------ setting up


def prepare_database(url: str, upload_dir: Path) -> None:
    """An empty schema, the migrations, the demo data (as `portal demo` seeds it)."""
    target = urlsplit(url)
    if target.hostname not in (HOST, "localhost") or "soak" not in target.path:
        # The schema is dropped: only a local database named for the soak, never one by mistake.
        raise RuntimeError(f"refusing to drop the schema of {url}: a local database with 'soak' in its name only")
    with psycopg.connect(str(database.sync_url(url).set(drivername="postgresql")), autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    database.upgrade(url)

    async def seed() -> None:
        db = database.Database(url)
        try:
            async with db.session() as session:
                await demo.seed(session, FileStorage(str(upload_dir)))
        finally:
            await db.dispose()

    asyncio.run(seed())


def person_ids(url: str) -> dict[str, int]:
    with psycopg.connect(str(database.sync_url(url).set(drivername="postgresql"))) as connection:
        return {code: pid for pid, code in connection.execute("SELECT id, personal_code FROM person")}


@contextmanager
def smtp_sink() -> Iterator[str]:
    """The portal's outbox sends here: accepted and dropped (the soak checks no mail)."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    port = _free_port()
    controller = Controller(Sink(), hostname=HOST, port=port)
    controller.start()
    try:
        yield f"smtp://{HOST}:{port}"
    finally:
        controller.stop()


def start_portal(stack: ExitStack, env: dict[str, str], port: int, log_path: Path, workers: int) -> subprocess.Popen[bytes]:
    """uvicorn with its supervisor and `workers` worker processes; returns once /healthz answers."""
    loop, http = _uvicorn_impl()
    command = [sys.executable, "-m", "uvicorn", "portal.cli:app_from_env", "--factory", "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--loop", loop, "--http", http,
               "--log-level", "warning", "--no-access-log"]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    stack.callback(_stop, process)
    deadline = time.monotonic() + 60
    while len(worker_pids(process.pid)) < workers or not _answers(f"http://{HOST}:{port}/healthz"):
        if process.poll() is not None:
            raise RuntimeError(f"the portal exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the portal did not answer within 60 s:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def worker_pids(parent: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing's spawned children), from /proc.

    The resource tracker multiprocessing may start is a child too; its command line differs."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


# ------------------------------------------------------------------ the clients


def draft_sections(ids: dict[str, int], today: date) -> list[tuple[str, str, DraftSection]]:
    """(personal code, language, section) for drafters: every adult demo person's rating sections,
    a person's sections one after the other, so that two drafters soon share a person."""
    adults = current("adults", today)
    levels = tuple(level.value for level in adults.levels)
    sections = [s for s in adults.sections if s.questions and all(q.kind == "rating" for q in s.questions)]
    found = []
    for person in (people.OLGA, people.ANNA, people.JANIS, people.PETERIS, people.LIGA, people.ILZE):
        lang = person.preferred_locale or "lv"
        for section in sections:
            found.append((person.personal_code, lang, DraftSection(
                ids[person.personal_code], section.id, tuple(q.id for q in section.questions), levels)))
    return found


def roles(count: int, ids: dict[str, int], today: date) -> list[Role]:
    """The clients' parts, in a cycle: two assistants on last month (corrections, submitting, the
    month's limit), one on this month, two drafters, two recipients (Anna; Jānis for Marta), one reader."""
    drafts = itertools.cycle(draft_sections(ids, today))
    assistants = itertools.count()
    readers = itertools.cycle([
        Role("reader", people.LIGA.personal_code, reads=("/dashboard", "/desk", "/desk/reports")),
        Role("reader", people.PETERIS.personal_code, reads=("/dashboard", "/", "/analysis")),
    ])
    made: list[Role] = []
    for slot in itertools.islice(itertools.cycle(range(8)), count):
        if slot in (0, 3, 7):
            month = "current" if slot == 3 else "previous"
            made.append(Role("assistant", people.ILZE.personal_code, month=month, pick=next(assistants)))
        elif slot in (1, 4):
            code, lang, section = next(drafts)
            made.append(Role("drafter", code, lang=lang, draft=section))
        elif slot == 2:
            made.append(Role("recipient", people.ANNA.personal_code))
        elif slot == 5:
            made.append(Role("recipient", people.JANIS.personal_code, for_id=ids[people.MARTA.personal_code]))
        else:
            made.append(next(readers))
    return made


async def signed_in(browser: Browser, role: Role, signing: asyncio.Semaphore) -> None:
    async with signing:
        await sign_in_again(browser, role.personal_code)


async def play(browser: Browser, role: Role, ctx: Context) -> None:
    """The client's part until the deadline; a sign-out the portal causes is counted, and the person signs in again."""
    while ctx.running():
        try:
            await ROLES[role.name](browser, role, ctx)
        except SignedOut:
            await sign_in_again(browser, role.personal_code)


# ------------------------------------------------------------------ the kill


@dataclass
class Kill:
    at: float | None = None  # seconds into the soak
    pid: int | None = None
    posts_in_flight: int = 0
    replacement: int | None = None
    replaced_after: float | None = None  # seconds from the kill until the supervisor's new worker process existed
    victim_cpu: float = 0.0  # CPU seconds the killed worker had used, just before


@dataclass
class Cpu:
    """CPU seconds during the soak: the portal's workers, this process (clients, provider), the whole machine."""

    portal: float = 0.0
    soak: float = 0.0
    machine: float = 0.0


async def kill_one_worker(parent: int, at: float, ctx: Context, kill: Kill) -> None:
    """SIGKILL one worker at `at` seconds, at a moment when POSTs are in flight (mid-burst)."""
    await asyncio.sleep(max(0.0, ctx.stats.t0 + at - time.perf_counter()))
    waited_until = time.perf_counter() + 2
    while ctx.stats.posts_in_flight == 0 and time.perf_counter() < waited_until:
        await asyncio.sleep(0.001)
    before = worker_pids(parent)
    if not before or not ctx.running():
        return
    kill.pid, kill.posts_in_flight = before[0], ctx.stats.posts_in_flight
    kill.victim_cpu = process_cpu_seconds(kill.pid) or 0.0
    os.kill(kill.pid, signal.SIGKILL)
    killed = time.perf_counter()
    kill.at = killed - ctx.stats.t0
    while ctx.running():
        await asyncio.sleep(0.05)
        new = [pid for pid in worker_pids(parent) if pid not in before]
        if new:
            kill.replacement, kill.replaced_after = new[0], time.perf_counter() - killed
            return


async def soak(base_url: str, parent: int, made: list[Role], args: argparse.Namespace, today: date,
               journal: Journal, stats: Stats) -> tuple[Kill, Cpu]:
    tags = itertools.count(1)
    ctx = Context(journal, stats, deadline=float("inf"), today=today, next_tag=lambda kind: f"soak-{kind}{next(tags)}")
    browsers = [Browser(base_url, role.lang, stats) for role in made]
    kill = Kill()
    try:
        signing = asyncio.Semaphore(SIGN_IN_AT_ONCE)
        await asyncio.gather(*(signed_in(b, r, signing) for b, r in zip(browsers, made, strict=True)))
        print(f"  {len(browsers)} clients signed in; soaking for {args.seconds:g} s ...", file=sys.stderr, flush=True)
        workers_at_start = {pid: process_cpu_seconds(pid) or 0.0 for pid in worker_pids(parent)}
        machine_at_start, soak_at_start = machine_cpu_seconds() or 0.0, time.process_time()
        stats.t0 = time.perf_counter()
        ctx.deadline = stats.t0 + args.seconds
        async with asyncio.TaskGroup() as group:  # a client that cannot play its part stops the run
            for browser, role in zip(browsers, made, strict=True):
                group.create_task(play(browser, role, ctx))
            if args.kill_at >= 0:
                group.create_task(kill_one_worker(parent, args.kill_at, ctx, kill))
        stats.seconds = time.perf_counter() - stats.t0
        cpu = Cpu(soak=time.process_time() - soak_at_start, machine=(machine_cpu_seconds() or 0.0) - machine_at_start)
        cpu.portal = sum((process_cpu_seconds(pid) or 0.0) - workers_at_start.get(pid, 0.0) for pid in worker_pids(parent))
        if kill.pid is not None:
            cpu.portal += kill.victim_cpu - workers_at_start.get(kill.pid, 0.0)
    finally:
        await asyncio.gather(*(b.aclose() for b in browsers), return_exceptions=True)
    return kill, cpu


# ------------------------------------------------------------------ the summary


def _percentile_ms(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


def summary(args: argparse.Namespace, stats: Stats, journal: Journal, kill: Kill, cpu: Cpu, findings: Findings) -> bool:
    """Prints the figures and the checks; True when every check passed."""
    loop, http = _uvicorn_impl()
    by_class = Counter(f"{status // 100}xx" for status in stats.statuses.elements())
    answered = sum(stats.statuses.values())
    no_answer = sum(stats.no_answer.values())
    other_5xx = sum(n for status, n in stats.statuses.items() if status >= 500 and status != 503)
    bare_503 = stats.statuses[503] - stats.retry_after_503
    print()
    print(f"Soak: {args.clients} clients for {stats.seconds:.1f} s; uvicorn --workers 2 --loop {loop} --http {http};"
          f" PostgreSQL {urlsplit(args.database_url).path.lstrip('/')}; Python {platform.python_version()},"
          f" {os.cpu_count()} CPUs")
    if kill.pid is None:
        print("Kill: none" if args.kill_at < 0 else "Kill: no worker was killed (the soak ended first?)")
    else:
        replaced = f"a new worker process {kill.replaced_after:.2f} s later" if kill.replaced_after is not None else "no new worker process seen"
        print(f"Kill: worker {kill.pid} SIGKILLed at {kill.at:.1f} s with {kill.posts_in_flight} POSTs in flight; {replaced}")
    other = max(0.0, cpu.machine - cpu.portal - cpu.soak)
    print(f"CPU, % of one core: portal workers {100 * cpu.portal / stats.seconds:.0f}%, soak process (clients, provider)"
          f" {100 * cpu.soak / stats.seconds:.0f}%, everything else on the machine {100 * other / stats.seconds:.0f}%")
    print()
    print(f"Requests: {answered + no_answer} ({(answered + no_answer) / stats.seconds:.0f}/s)")
    print("  " + ", ".join(f"{c} {by_class[c]}" for c in ("2xx", "3xx", "4xx", "5xx")) + f", no answer {no_answer}")
    four = ", ".join(f"{s}: {n}" for s, n in sorted(stats.statuses.items()) if 400 <= s < 500)
    if four:
        print(f"  4xx by status: {four}")
    if no_answer:
        print("  no answer by reason: " + ", ".join(f"{k} {n}" for k, n in stats.no_answer.most_common()))
    print(f"  503 with Retry-After: {stats.retry_after_503}, without: {bare_503}")
    print(f"  latency (answered): p50 {_percentile_ms(stats.latencies, 50):.0f} ms, p95 {_percentile_ms(stats.latencies, 95):.0f} ms,"
          f" p99 {_percentile_ms(stats.latencies, 99):.0f} ms")
    if stats.unexpected_sign_in or stats.failed_sign_ins:
        print(f"  signed out by the portal: {stats.unexpected_sign_in}; sign-ins tried again: {stats.failed_sign_ins}")
    if kill.at is not None:
        second = int(kill.at)
        window = range(max(0, second - 3), min(int(stats.seconds) + 1, second + 6))
        print("  around the kill, answered / no answer per second: "
              + "  ".join(f"{s}s {stats.answered_at[s]}/{stats.failed_at[s]}" for s in window))
    print()
    outcomes: dict[str, Counter[str]] = {}
    for write in journal.writes:
        outcomes.setdefault(write.kind, Counter())[write.outcome.value] += 1
    print("Writes: acknowledged / refused / no answer")
    for kind, counts in sorted(outcomes.items()):
        print(f"  {kind:<13} {counts['acked']:>6} / {counts['refused']:>6} / {counts['unknown']:>4}")
    print()
    checks = [
        ("5xx other than 503", other_5xx),
        ("503 without Retry-After", bare_503),
        ("missing writes", len(findings.missing)),
        ("invariant violations", len(findings.violations)),
    ]
    print(f"Acknowledged writes: {findings.acknowledged}")
    for name, count in checks:
        print(f"{name + ':':<26} {count:>5}   {'ok' if count == 0 else 'FAIL (must be 0)'}")
    for title, lines in (("server errors", stats.server_errors), ("missing writes", findings.missing),
                         ("invariant violations", findings.violations)):
        if lines:
            print(f"\nFirst {min(len(lines), 20)} {title}:")
            for line in lines[:20]:
                print(f"  {line}")
    return all(count == 0 for _name, count in checks)


# ------------------------------------------------------------------ the run


def run(args: argparse.Namespace) -> bool:
    with ExitStack() as stack:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the mock provider's access log
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-soak-")))
        uploads = work / "uploads"
        print(f"Preparing: {args.database_url} (schema dropped and made again), provider, portal ...", file=sys.stderr, flush=True)
        prepare_database(args.database_url, uploads)
        ids = person_ids(args.database_url)
        issuer = stack.enter_context(running_provider(HOST, 0))
        smtp = stack.enter_context(smtp_sink())
        port = _free_port()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        env = base_env | {k: v for k, v in os.environ.items() if k.startswith(PASSED_THROUGH)} | {
            "PORTAL_DATABASE_URL": args.database_url,
            "PORTAL_SECRET_KEY": SECRET_KEY,
            "PORTAL_BASE_URL": f"http://{HOST}:{port}",
            "PORTAL_EID_ISSUER": issuer,
            "PORTAL_EID_CLIENT_SECRET": "soak",
            "PORTAL_UPLOAD_DIR": str(uploads),
            "PORTAL_SMTP_URL": smtp,
        }
        log_path = work / "portal.log"
        portal = start_portal(stack, env, port, log_path, workers=2)
        today = clock.today()
        journal, stats = Journal(), Stats()
        made = roles(args.clients, ids, today)
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            kill, cpu = runner.run(soak(f"http://{HOST}:{port}", portal.pid, made, args, today, journal, stats))
        _stop(portal)  # every worker gone before the check: no transaction is still open
        findings = check(args.database_url, journal)
        ok = summary(args, stats, journal, kill, cpu, findings)
        log = log_path.read_text(errors="replace")
        raised = Counter(m.group(1)[:160] for m in EXCEPTION_LINE.finditer(log))
        if raised:
            print("\nExceptions in the portal's log (the last line of each traceback):")
            for line, count in raised.most_common(10):
                print(f"  {count:>5} x {line}")
        if not ok and log.strip():
            print("\n--- end of the portal's log ---\n" + log[-3000:])
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="signed-in clients (default 20)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long they work (default 30)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help=f"a local PostgreSQL database with 'soak' in its name; its schema is dropped (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--kill-at", type=float, default=None,
                        help="seconds into the soak to SIGKILL one worker (default half of --seconds; negative: no kill)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients must be >= 1 and --seconds > 0")
    if args.kill_at is None:
        args.kill_at = args.seconds / 2

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # `kill` cleans up like Ctrl+C does
    try:
        return 0 if run(args) else 1
    except KeyboardInterrupt:
        print("\ninterrupted; servers and provider stopped", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"soak: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
