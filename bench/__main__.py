"""`python -m bench`: throughput, latency and page weight of the portal, against bare Starlette.

Prints figures only; nothing passes or fails. Everything runs on 127.0.0.1:
a fresh SQLite database with the demo people, the mock eID provider (a thread
here), and two uvicorn subprocesses (the portal and bench/bare_app.py) with
identical settings. All of them stop when the run ends, also on error or Ctrl+C.
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
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench import load, weight

with warnings.catch_warnings():  # authlib's deprecation notices, printed on import

    warnings.simplefilter("ignore")  # ... to be overridden here
    from portal import db as database
    from portal.app import create_app
    from portal.eid.mock_provider import running_provider
    from portal.people import demo
    from portal.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SECRET_KEY = "bench-secret-key-not-for-production"
DEFAULT_PERSON = "020790-11000"  # Jānis Kalniņš, a demo person (parent and representative)


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


def prepare_database(url: str) -> None:
    """Migrations and the demo people, as `portal demo` does."""
    database.upgrade(url)

    async def seed() -> None:
        db = database.Database(url)
        try:
            async with db.session() as session:
                await demo.seed(session)
        finally:
            await db.dispose()

    asyncio.run(seed())


def sign_in(base_url: str, personal_code: str) -> dict[str, str]:
    """The real redirect flow: portal -> mock eID provider -> portal callback. Returns the cookies."""
    with (
        httpx.Client(base_url=base_url, follow_redirects=False, timeout=10, trust_env=False) as browser,
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


async def measure_weights(portal_url: str, cookies: dict[str, str], portal_env: dict[str, str]) -> list[weight.Weight]:
    pages = [
        ("start (lv)", "/lv/", False),
        ("start (ru)", "/ru/", False),
        ("settings (lv)", "/lv/settings", False),
        ("accessibility (lv)", "/lv/accessibility", False),
        ("dashboard (lv, signed in)", "/lv/dashboard", True),
    ]
    results = []
    options = {"base_url": portal_url, "timeout": 10, "trust_env": False, "follow_redirects": False}
    async with httpx.AsyncClient(**options) as anonymous, httpx.AsyncClient(**options, cookies=cookies) as signed:
        for page, path, signed_in in pages:
            results.append(await weight.measure(signed if signed_in else anonymous, page, path))

    # The component gallery exists only with component_gallery on (demo mode), which the
    # PORTAL_* environment cannot turn on: it is measured from the same app, same settings
    # plus the gallery, served in-process (its bytes are the same; nothing is timed).
    app = create_app(replace(Settings.from_env(portal_env), component_gallery=True))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), **options) as in_process:
            gallery = await weight.measure(in_process, "component gallery (lv)", "/lv/components")
            gallery.note = "gallery: in-process app (served bytes not meaningful)"
            results.append(gallery)
    finally:
        await app.state.db.dispose()
    return results


def visitor_cookies(base_url: str) -> dict[str, str]:
    """What a returning anonymous visitor sends: the session (CSRF token) and language cookies."""
    with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as browser:
        browser.get("/lv/").raise_for_status()
        return dict(browser.cookies)


async def measure_load(args: argparse.Namespace, bare, portal, cookies: dict[str, str]) -> list[load.Result]:  # type: ignore[no-untyped-def]
    (bare_url, bare_proc), (portal_url, portal_proc) = bare, portal
    targets = [
        ("bare Starlette /", bare_url, "/", None, bare_proc.pid),
        ("portal /lv/ (start)", portal_url, "/lv/", visitor_cookies(portal_url), portal_proc.pid),
        ("portal /lv/dashboard (signed in)", portal_url, "/lv/dashboard", cookies, portal_proc.pid),
    ]
    results = []
    for name, url, path, jar, pid in targets:
        print(f"  loading {name} for {args.seconds:g} s ...", file=sys.stderr, flush=True)
        results.append(
            await load.run_load(
                name, url, path, concurrency=args.concurrency, seconds=args.seconds,
                warmup=args.warmup, cookies=jar, server_pid=pid, client=args.client,
            )
        )
    return results


def run(args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the mock provider's access log

        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-bench-")))
        print("Preparing: database, mock eID provider, servers ...", file=sys.stderr, flush=True)
        if args.database_url:  # a database already made, say by `make bench-data`: used as it is
            database_url = _local(args.database_url)
        else:
            database_url = f"sqlite:///{work / 'portal.sqlite3'}"
            prepare_database(database_url)
        issuer = _local(stack.enter_context(running_provider(HOST, 0)))

        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "BENCH_"))}
        portal_port = _free_port()
        portal_env = base_env | {
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": SECRET_KEY,
            "PORTAL_BASE_URL": f"http://{HOST}:{portal_port}",
            "PORTAL_EID_ISSUER": issuer,
            "PORTAL_EID_CLIENT_SECRET": "bench",
        }
        portal = start_server(
            stack, "portal", "portal.cli:app_from_env", portal_env, work, "/healthz", factory=True, port=portal_port
        )
        start_page_bytes = len(httpx.get(portal[0] + "/lv/", trust_env=False, timeout=10).content)
        bare = start_server(stack, "bare", "bench.bare_app:app", base_env | {"BENCH_BODY_BYTES": str(start_page_bytes)}, work, "/")
        cookies = sign_in(portal[0], args.person)

        async def everything() -> tuple[list[load.Result], list[weight.Weight]]:
            return await measure_load(args, bare, portal, cookies), await measure_weights(portal[0], cookies, portal_env)

        memory_before = rss_mib(portal[1].pid)
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            results, weights = runner.run(everything())
        memory_after = rss_mib(portal[1].pid)

        loop, http = _uvicorn_impl()
        print()
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; uvicorn 1 worker, --loop {loop} --http {http};")
        print(f"{args.concurrency} concurrent clients ({args.client}, one keep-alive connection each), {args.seconds:g} s per target"
              f" after {args.warmup:g} s warm-up; bare page {start_page_bytes} bytes, like the portal start page.")
        print()
        print("Throughput and latency")
        load.print_table(results, baseline=results[0])
        print()
        print("Page weight: HTML + same-origin CSS and JS it references")
        weight.print_table(weights)
        served = sum(r.ok + r.errors for r in results if r.target.startswith("portal"))
        if memory_before is not None and memory_after is not None:
            print()
            print(f"Memory: the portal process's RSS {memory_before:.1f} MiB before its load, {memory_after:.1f} MiB after "
                  f"{served} measured requests (warm-up requests not counted): {memory_after - memory_before:+.1f} MiB.")
        if any(r.errors for r in results):
            for name in ("bare", "portal"):
                print(f"\n--- end of the {name} server's log ---\n" + (work / f"{name}.log").read_text()[-2000:])


def _loop_factory():  # type: ignore[no-untyped-def]
    """uvloop for the load generator too, when installed: less CPU per request on the client side."""
    if importlib.util.find_spec("uvloop"):
        import uvloop

        return uvloop.new_event_loop
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per target (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each target (default 1)")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw", help="load client (default raw; see bench/load.py)")
    parser.add_argument("--person", default=DEFAULT_PERSON, help="personal code of the demo person for the dashboard")
    parser.add_argument("--database-url", help="use this database (on 127.0.0.1, with the demo people) instead of a fresh SQLite one")
    args = parser.parse_args(argv)
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
    except RuntimeError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
