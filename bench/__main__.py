"""`python -m bench`: throughput, latency and page weight of the portal at demo size and at national volume, side by side.

Prints figures only; nothing passes or fails. Everything runs on 127.0.0.1: two PostgreSQL
databases made for the run (`bench_demo`, created afresh with the demo data; `bench_national_run`,
a copy of `make bench-data`'s `bench_national`), the mock eID provider (a thread here), and three
uvicorn subprocesses with identical settings (a portal on each database, and bench/bare_app.py).
All of them stop when the run ends, also on error or Ctrl+C, and the national copy is dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

from bench import load, tables, weight
from bench.targets import ANALYST, CASEWORKER, PERSON, STAFF, TARGETS, VISITOR, WEIGHT_ONLY, Site, Target, draw_sample, find_case

with warnings.catch_warnings():  # authlib's deprecation notices, printed on import

    warnings.simplefilter("ignore")  # ... to be overridden here
    from portal import db as database
    from portal import demo
    from portal.app import create_app
    from portal.eid.mock_provider import running_provider
    from portal.settings import Settings
    from portal.storage import FileStorage

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SECRET_KEY = "bench-secret-key-not-for-production"
DEFAULT_PERSON = "020790-11000"  # Jānis Kalniņš, a demo person (parent and representative)
DEMO_URL = "postgresql://postgres@127.0.0.1:5432/bench_demo"
NATIONAL_URL = "postgresql://postgres@127.0.0.1:5432/bench_national"
# The run's copy of the national database: the desk's pages write audit events on every view, and the
# sample page needs a sample drawn; in a copy, bench_national stays as `make bench-data` made it.
NATIONAL_COPY = "{name}_run"


def _local(url: str) -> str:
    """Refuse any URL that is not on 127.0.0.1: the benchmark contacts nothing else."""
    if urlsplit(url).hostname != HOST:
        raise RuntimeError(f"refusing to contact {url}: the benchmark only talks to {HOST}")
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _uvicorn_impl() -> tuple[str, str]:
    """The fastest loop and HTTP parser installed; both servers get the same."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def start_server(
    stack: ExitStack,
    name: str,
    app: str,
    env: dict[str, str],
    log_dir: Path,
    ready_path: str,
    *,
    factory: bool = False,
    port: int | None = None,
) -> tuple[str, subprocess.Popen[bytes]]:
    """uvicorn in a subprocess (its own GIL), one worker; returns its base URL once it answers."""
    port = port or _free_port()
    loop, http = _uvicorn_impl()
    command = [sys.executable, "-m", "uvicorn", app, *(["--factory"] if factory else [])]
    command += ["--host", HOST, "--port", str(port), "--loop", loop, "--http", http]
    command += ["--log-level", "warning", "--no-access-log"]
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    stack.callback(_stop, process)
    base_url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(base_url + ready_path, timeout=1, trust_env=False).status_code == 200:
                return base_url, process
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within 30 s:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)


def rss_mib(pid: int) -> float | None:
    """A process's resident memory from /proc (None where there is no /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return kib / 1024 if kib is not None else None


# ------------------------------------------------------------------ the databases


def _psycopg(url: str) -> str:
    return database.sync_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _server_and_name(url: str) -> tuple[str, str]:
    """The maintenance database's URL on the same server, and the database's name."""
    sync = database.sync_url(url).set(drivername="postgresql")
    return sync.set(database="postgres").render_as_string(hide_password=False), sync.database or ""


def prepare_demo(url: str, upload_dir: Path) -> None:
    """A database of its own, created afresh: the migrations and the demo data, as `portal demo` seeds it."""
    if not url.startswith("sqlite"):
        maintenance, name = _server_and_name(_local(url))
        if not name.startswith("bench_"):  # it is dropped: only a database named for the benchmark
            raise RuntimeError(f"refusing to drop {name!r}: the demo-size database's name must begin with bench_")
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    database.upgrade(url)

    async def seed() -> None:
        db = database.Database(url)
        try:
            async with db.session() as session:
                await demo.seed(session, FileStorage(str(upload_dir)))
        finally:
            await db.dispose()

    asyncio.run(seed())
    if not url.startswith("sqlite"):
        with psycopg.connect(_psycopg(url), autocommit=True) as connection:
            connection.execute("ANALYZE")  # as bench.national does: the planner knows the tables' sizes at both sizes


def copy_national(url: str, stack: ExitStack, copy: str = NATIONAL_COPY) -> str | None:
    """A copy of the national database for this run (dropped at its end), or None when there is none.

    The copy is named after the database it copies (`bench_national_run`), so that two runs against
    two national databases on one server do not drop each other's copy."""
    maintenance, name = _server_and_name(_local(url))
    copy = copy.format(name=name)
    if name == copy:
        raise RuntimeError(f"--national-url names the run's own copy ({copy}): give the database it copies")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            return None
        connection.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        try:
            # FILE_COPY: a file copy of the 600 MB takes seconds; WAL_LOG (the default) writes it all to the WAL too.
            connection.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}" STRATEGY FILE_COPY')
        except psycopg.errors.ObjectInUse as busy:
            raise RuntimeError(f"cannot copy {name}: another session is connected to it ({busy}); close it and run again") from None

    def drop() -> None:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')

    stack.callback(drop)
    return database.sync_url(url).set(database=copy).render_as_string(hide_password=False)


def national_staleness(url: str) -> str | None:
    """A warning when the national data ends before last month (the desk's pages show last month by default)."""
    with psycopg.connect(_psycopg(url)) as connection:
        row = connection.execute("SELECT max(month), (now() AT TIME ZONE 'Europe/Riga')::date FROM monthly_report").fetchone()
    assert row is not None  # an aggregate always has its one row
    latest, today = row
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if latest is None or latest < last_month:
        return (f"the national data's last month is {latest:%Y-%m}, before last month ({last_month:%Y-%m}): the month's pages"
                " show an empty month. Run `make bench-data` again.")
    return None


# ------------------------------------------------------------------ the portals


def _clean_env() -> dict[str, str]:
    """This environment without PORTAL_* and BENCH_* settings: the servers get the benchmark's own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "BENCH_"))}


def start_portal(stack: ExitStack, size: str, database_url: str, issuer: str, log_dir: Path, extra: dict[str, str]) -> Site:
    port = _free_port()
    env = _clean_env() | extra | {
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_BASE_URL": f"http://{HOST}:{port}",
        "PORTAL_EID_ISSUER": issuer,
        "PORTAL_EID_CLIENT_SECRET": "bench",
    }
    base_url, process = start_server(stack, f"portal-{size}", "portal.cli:app_from_env", env, log_dir, "/healthz", factory=True, port=port)
    return Site(size, database_url, base_url, process, env)


# ------------------------------------------------------------------ signing in


def sign_in(base_url: str, personal_code: str) -> dict[str, str]:
    """The real redirect flow: portal -> mock eID provider -> portal callback. Returns the cookies."""
    with (
        httpx.Client(base_url=base_url, follow_redirects=False, timeout=30, trust_env=False) as browser,
        httpx.Client(follow_redirects=False, timeout=10, trust_env=False) as at_provider,
    ):
        start = browser.get("/lv/sign-in")
        if start.status_code not in (302, 303):
            raise RuntimeError(f"/lv/sign-in answered {start.status_code}")
        authorize = _local(start.headers["location"])
        if at_provider.get(authorize).status_code != 200:
            raise RuntimeError("the mock provider did not show its sign-in page")
        chosen = at_provider.post(authorize, data={"sub": personal_code})
        if chosen.status_code not in (302, 303):
            raise RuntimeError(f"the mock provider answered {chosen.status_code} to signing in as {personal_code}")
        callback = browser.get(_local(chosen.headers["location"]))
        if callback.status_code not in (302, 303):
            raise RuntimeError(f"/auth/callback answered {callback.status_code} (is {personal_code} a demo person?)")
        if browser.get("/lv/dashboard").status_code != 200:
            raise RuntimeError("signed in, but /lv/dashboard does not answer 200")
        return dict(browser.cookies)


def visitor_cookies(base_url: str) -> dict[str, str]:
    """What a returning anonymous visitor sends: the session (CSRF token) and language cookies."""
    with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as browser:
        browser.get("/lv/").raise_for_status()
        return dict(browser.cookies)


def make_ready(site: Site, person: str) -> None:
    """Everyone signed in, the case found, last month's sample drawn."""
    site.cookies = {VISITOR: visitor_cookies(site.base_url), PERSON: sign_in(site.base_url, person)}
    site.cookies |= {who: sign_in(site.base_url, code) for who, code in STAFF.items()}
    site.case_id = find_case(site)
    site.sample_note = draw_sample(site)


# ------------------------------------------------------------------ measuring


async def measure_weights(site: Site) -> dict[str, weight.Weight]:
    results = {}
    options: dict[str, Any] = {"base_url": site.base_url, "timeout": 60, "trust_env": False, "follow_redirects": False}
    clients = {who: httpx.AsyncClient(**options, cookies=jar) for who, jar in site.cookies.items()}
    try:
        for target in (*TARGETS, *WEIGHT_ONLY):
            results[target.name] = await weight.measure(clients[target.who], target.name, target.path_at(site))
    finally:
        for client in clients.values():
            await client.aclose()

    # The component gallery exists only with component_gallery on (demo mode), which the
    # PORTAL_* environment cannot turn on: it is measured from the same app, same settings
    # plus the gallery, served in-process (its bytes are the same; nothing is timed).
    app = create_app(replace(Settings.from_env(site.env), component_gallery=True))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), **options) as in_process:
            gallery = await weight.measure(in_process, "component gallery", "/lv/components")
            gallery.note = "gallery: an in-process app (its served column is not meaningful)"
            results[gallery.page] = gallery
    finally:
        await app.state.db.dispose()
    return results


async def measure_target(args: argparse.Namespace, target: Target, site: Site) -> load.Result:
    print(f"  loading {target.name} at {site.size} for {args.seconds:g} s ...", file=sys.stderr, flush=True)
    result = await load.run_load(
        target.name, site.base_url, target.path_at(site), concurrency=args.concurrency, seconds=args.seconds,
        warmup=args.warmup, cookies=site.cookies_for(target), server_pid=site.process.pid, database=site.database_name,
        client=args.client,
    )
    result.rss_after_mib = rss_mib(site.process.pid)
    return result


# The signed-in start page: the person read and their actor, and the page rendered afresh (a signed-in
# page is never kept), at a few times the dashboard's rate.
TOP_UP = Target("memory: signed-in start", "/lv/", PERSON)
TOP_UP_MAX_SECONDS = 120.0


async def top_up(args: argparse.Namespace, site: Site, served: int) -> int:
    """More requests, after the targets, until the worker has answered issue 12's 20,000 since warm-up
    (at most TOP_UP_MAX_SECONDS): the memory bound is over that many requests, and the staff pages
    are too slow to reach it in a default run. Returns the requests it sent."""
    sent, spent = 0, 0.0
    while served + sent < tables.MEMORY_REQUESTS and spent < TOP_UP_MAX_SECONDS:
        rate = max(1.0, sent / spent) if spent else 500.0
        seconds = min(TOP_UP_MAX_SECONDS - spent, max(2.0, 1.2 * (tables.MEMORY_REQUESTS - served - sent) / rate))
        print(f"  memory: {served + sent:,} requests at {site.size} since warm-up, {seconds:.0f} s more ...", file=sys.stderr, flush=True)
        result = await load.run_load(TOP_UP.name, site.base_url, TOP_UP.path_at(site), concurrency=args.concurrency, seconds=seconds,
                                     warmup=0, cookies=site.cookies_for(TOP_UP), server_pid=site.process.pid,
                                     database=site.database_name, client=args.client)
        sent, spent = sent + result.sent, spent + seconds
    return sent


async def measure_all(
    args: argparse.Namespace, bare: tuple[str, subprocess.Popen[bytes]], sites: list[Site],
) -> tuple[load.Result, list[tables.LoadRow], list[tables.WeightRow], list[tables.Memory]]:
    # Every page once at each size first (its weight): templates compiled and caches filled before memory is read.
    weights = {site.size: await measure_weights(site) for site in sites}
    before = {site.size: rss_mib(site.process.pid) for site in sites}

    print(f"  loading bare Starlette for {args.seconds:g} s ...", file=sys.stderr, flush=True)
    bare_result = await load.run_load("bare Starlette /", bare[0], "/", concurrency=args.concurrency, seconds=args.seconds,
                                      warmup=args.warmup, server_pid=bare[1].pid, client=args.client)
    rows = []
    served: dict[str, int] = {site.size: 0 for site in sites}
    for target in (t for t in TARGETS if not args.only or t.name in args.only):
        # Demo, then national, target by target: a change in the machine's load falls on both sizes alike.
        results = {site.size: await measure_target(args, target, site) for site in sites}
        rows.append(tables.LoadRow(target.name, results.get("demo"), results.get("national"), target.staff))
        for size, result in results.items():
            served[size] += result.sent

    for site in sites:
        if not args.only:  # a partial run measures its pages, not the memory bound: no top-up
            served[site.size] += await top_up(args, site, served[site.size])
    memory = []
    for site in sites:
        after, warm = rss_mib(site.process.pid), before[site.size]
        if warm is not None and after is not None:
            memory.append(tables.Memory(site.size, warm, after, served[site.size]))
    names = [*(t.name for t in TARGETS), *(t.name for t in WEIGHT_ONLY), "component gallery"]
    weight_rows = [tables.WeightRow(name, weights.get("demo", {}).get(name), weights.get("national", {}).get(name)) for name in names]
    return bare_result, rows, weight_rows, memory


def run(args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the mock provider's access log
        started = time.monotonic()
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-bench-")))
        print("Preparing: databases, mock eID provider, servers ...", file=sys.stderr, flush=True)
        demo_url = f"sqlite:///{work / 'portal.sqlite3'}" if args.demo_url == "sqlite" else args.demo_url
        prepare_demo(demo_url, work / "uploads")
        national_url = None
        if args.national_url != "none":
            national_url = copy_national(args.national_url, stack)
            if national_url is None:
                print(f"\nNo national database at {args.national_url}: run `make bench-data` once (about 2 minutes) to measure"
                      " national volume too. Measuring demo size only.\n", file=sys.stderr, flush=True)
        stale = national_staleness(national_url) if national_url else None

        issuer = _local(stack.enter_context(running_provider(HOST, 0)))
        base_env = _clean_env()
        sites = [start_portal(stack, "demo", demo_url, issuer, work, {"PORTAL_UPLOAD_DIR": str(work / "uploads")})]
        if national_url:
            # bench.national stored the demo's documents in the portal's default upload directory: no PORTAL_UPLOAD_DIR there.
            sites.append(start_portal(stack, "national", national_url, issuer, work, {}))
        start_page_bytes = len(httpx.get(sites[0].base_url + "/lv/", trust_env=False, timeout=10).content)
        bare = start_server(stack, "bare", "bench.bare_app:app", base_env | {"BENCH_BODY_BYTES": str(start_page_bytes)}, work, "/")
        try:
            for site in sites:
                make_ready(site, args.person)
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                bare_result, rows, weights, memory = runner.run(measure_all(args, bare, sites))
        except (RuntimeError, httpx.HTTPError) as error:  # what the portals said about it
            logs = "".join(f"\n--- end of the portal-{site.size} server's log ---\n"
                           + (work / f"portal-{site.size}.log").read_text()[-3000:] for site in sites)
            raise RuntimeError(f"{error}{logs}") from None

        loop, http = _uvicorn_impl()
        print()
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())};"
              f" uvicorn 1 worker per server, --loop {loop} --http {http}.")
        print(f"{args.concurrency} concurrent clients ({args.client}, one keep-alive connection each) per target, {args.seconds:g} s"
              f" measured after at least {args.warmup:g} s of warm-up; bare page {start_page_bytes:,} bytes, like the portal's start page.")
        made = {"demo": "made afresh with the demo data", "national": f"a copy of {args.national_url.rsplit('/', 1)[-1]}"}
        print("Databases: " + "; ".join(
            f"{site.size} {site.database_name + ' (PostgreSQL' if site.database_name else '(a SQLite file'}, {made[site.size]}):"
            f" {site.sample_note}" for site in sites) + ".")
        if stale:
            print(f"Warning: {stale}")
        windows = [r for row in rows for r in (row.demo, row.national) if r is not None and r.other_cpu is not None]
        if windows:
            others = sorted(r.other_cpu or 0.0 for r in windows)
            print(f"The machine's other work (other CPU, below) during the measured windows: median {statistics.median(others):.0f}%,"
                  f" highest {others[-1]:.0f}% of one core" + (": the figures are disturbed." if statistics.median(others) > 20 else "."))
        print()
        print("Targets")
        width = max(len(t.name) for t in TARGETS)
        for t in TARGETS:
            print(f"  {t.name:<{width}}  {t.path_at(sites[0]):<32} {_WHO[t.who]}")
        print()
        print("Throughput and latency (! : a staff page whose p95 at national is over 1.5x its p95 at demo size)")
        tables.print_load([tables.LoadRow("bare Starlette /", bare_result, None), *rows], bare_result)
        print()
        print("CPU during the measured window, % of one core; the server's memory after the target's load")
        tables.print_cpu([tables.LoadRow("bare Starlette /", bare_result, None), *rows])
        print()
        print("Page weight, KB (1,000 bytes): HTML, and HTML + same-origin CSS and JS of a first visit")
        tables.print_weights(weights)
        print()
        if not args.only:  # the bounds read every target (and the memory top-up)
            print("Issue 12's bounds")
            tables.print_bounds(rows, bare_result, weights, memory)
            print()
        print(f"The whole run took {time.monotonic() - started:.0f} s.")
        if bare_result.errors or any(r.errors for row in rows for r in (row.demo, row.national) if r is not None):
            for site in sites:
                name = f"portal-{site.size}"
                print(f"\n--- end of the {name} server's log ---\n" + (work / f"{name}.log").read_text()[-2000:])


_WHO = {VISITOR: "returning visitor", PERSON: "--person", CASEWORKER: "Līga Liepiņa, caseworker of Rīga",
        ANALYST: "Pēteris Zariņš, survey analyst"}


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop for the load generator too, when installed: less CPU per request on the client side."""
    if importlib.util.find_spec("uvloop"):
        import uvloop

        return uvloop.new_event_loop
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per target and size (default 5)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="unmeasured seconds before each target, at least (default 1; see bench/load.py)")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw", help="load client (default raw; see bench/load.py)")
    parser.add_argument("--person", default=DEFAULT_PERSON, help="personal code of the demo person for the dashboard")
    parser.add_argument("--demo-url", default=DEMO_URL,
                        help=f"the demo-size database, dropped and made afresh (default {DEMO_URL}; its name must begin with"
                             " bench_); 'sqlite' for a fresh SQLite file instead")
    parser.add_argument("--national-url", default=NATIONAL_URL,
                        help=f"the national database that `make bench-data` made (default {NATIONAL_URL}), copied for the run;"
                             " 'none' for demo size only")
    parser.add_argument("--only", action="append", default=[], metavar="TARGET",
                        help="load only this target (its name in the table; again for more): bare Starlette and every page's"
                             " weight still, no memory top-up")
    args = parser.parse_args(argv)
    unknown = set(args.only) - {t.name for t in TARGETS}
    if unknown:
        parser.error(f"no such target: {', '.join(sorted(unknown))} (the targets: {', '.join(t.name for t in TARGETS)})")
    if args.seconds <= 0 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--seconds must be > 0, --concurrency >= 1, --warmup >= 0")

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # `kill` cleans up like Ctrl+C does
    try:
        run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; servers and provider stopped", file=sys.stderr)
        return 130
    except (RuntimeError, psycopg.OperationalError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
