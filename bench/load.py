"""Closed-loop load: N clients, each sending its next request as soon as the last one answered.

Each client holds one keep-alive connection and sends the same request again
and again, with the given cookies (a returning visitor, or a signed-in person).
The clients run without a pause from the first request to the last:

1. warm-up, not measured: at least `warmup` seconds, and until every client has
   had one answer (connections opened, templates compiled, caches filled, and
   a slow page's queue as long as it will be: the first answers of a burst of
   N requests come sooner than they will later);
2. the measured window, `seconds` long: every answer that arrives within it is
   counted, whenever its request was sent;
3. the drain, not measured: no new requests; the ones in flight are answered,
   so that the next target starts on an idle server.

Two client implementations:
- "raw" (default): a minimal HTTP/1.1 client on asyncio streams. It costs
  little CPU per request, so on a small machine the figures are the server's.
- "httpx": one httpx.AsyncClient per client, whose cookie jar follows the
  Set-Cookie answers as a browser's would. httpx spends roughly a
  millisecond of CPU per request, so around 1,000 req/s it saturates the
  benchmark's core before a fast server is busy (watch the "bench CPU" column).
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

# A slow page under 32 clients waits behind 31 others: 30 s lets a page of up to about 1 s per
# request still be measured (its latency is then the queue's), rather than counted as failing.
REQUEST_TIMEOUT = 30.0  # seconds


@dataclass
class Result:
    target: str
    seconds: float = 0.0  # the measured window
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # why, in the window: "503", "timeout", "OSError" ...
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests in the window only
    sent: int = 0  # every request, warm-up and drain included (what the server's memory saw)
    server_cpu: float | None = None  # CPU seconds the server process used during the window
    database_cpu: float | None = None  # CPU seconds PostgreSQL's processes serving the server's database used
    bench_cpu: float = 0.0  # CPU seconds this process used during the window
    machine_cpu: float | None = None  # CPU seconds all processes on the machine used during the window
    rss_after_mib: float | None = None  # the server's resident memory after the drain (set by the caller)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile_ms(self, p: int) -> float | None:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    def percent_of_core(self, cpu_seconds: float | None) -> float | None:
        return 100 * cpu_seconds / self.seconds if cpu_seconds is not None and self.seconds else None

    @property
    def cpu_ms_per_request(self) -> float | None:
        """What one answer cost the server and PostgreSQL together, in CPU milliseconds: less
        disturbed by the machine's other work than req/s (that work takes cores, not CPU time)."""
        if self.server_cpu is None or not self.ok:
            return None
        return 1000 * (self.server_cpu + (self.database_cpu or 0.0)) / self.ok

    @property
    def other_cpu(self) -> float | None:
        """Everything else on the machine during the window, as % of one core."""
        if self.machine_cpu is None or self.server_cpu is None or not self.seconds:
            return None
        ours = self.server_cpu + self.bench_cpu + (self.database_cpu or 0.0)
        return max(0.0, 100 * (self.machine_cpu - ours) / self.seconds)


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of another process (Linux /proc); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu_seconds() -> float | None:
    """Busy CPU time of the whole machine, all cores (Linux /proc/stat); None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def database_backends_cpu(name: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process connected to the database `name`, found by its
    process title ("postgres: [cluster: ]user database host(port) state"); empty where there is no /proc.
    PostgreSQL runs on the same machine: without this, its work for the portal would count as "other"."""
    title = re.compile(rb"postgres: (?:\S+: )?\S+ " + re.escape(name.encode()) + rb" ")
    found = {}
    try:
        entries = [entry.name for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return {}
    for pid in entries:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                head = cmdline.read(200)
        except OSError:
            continue
        if title.match(head):
            cpu = process_cpu_seconds(int(pid))
            if cpu is not None:
                found[int(pid)] = cpu
    return found


class RawClient:
    """GET one path over one keep-alive HTTP/1.1 connection; reconnects when the server closes."""

    def __init__(self, base_url: str, path: str, cookies: dict[str, str] | None) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        # As a browser asks (Chromium's Accept-Encoding): the portal's answers are measured compressed,
        # as people get them; bare Starlette compresses nothing, so its figure is the same either way.
        headers = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "User-Agent: portal-bench", "Accept: text/html",
                   "Accept-Encoding: gzip, deflate, br, zstd"]
        if cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        self.request = ("\r\n".join(headers) + "\r\n\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")  # no trailers expected
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return status

    async def reset(self) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            self.reader = None


class HttpxClient:
    """The same interface on one httpx.AsyncClient (its own connection and cookie jar)."""

    def __init__(self, base_url: str, path: str, cookies: dict[str, str] | None) -> None:
        self.path = path
        self.client = httpx.AsyncClient(
            base_url=base_url,
            cookies=cookies,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    async def get(self) -> int:
        return (await self.client.get(self.path)).status_code

    async def reset(self) -> None:
        pass  # httpx drops a broken connection by itself

    async def aclose(self) -> None:
        await self.client.aclose()


FAILURES = (OSError, ValueError, IndexError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, httpx.HTTPError)


@dataclass
class _Phase:
    """Shared by a target's clients: when the window is, and whether to stop."""

    clients: int
    window_start: float = math.inf
    window_end: float = math.inf
    stopping: bool = False
    answered_once: int = 0
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)


async def _loop(client: RawClient | HttpxClient, phase: _Phase, result: Result) -> None:
    first = True
    while not phase.stopping:
        started = time.perf_counter()
        why: str | None = None
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status = await client.get()
            why = None if status == 200 else str(status)
        except TimeoutError:
            await client.reset()
            why = "timeout"
        except FAILURES as failure:
            await client.reset()
            why = type(failure).__name__
        finished = time.perf_counter()
        result.sent += 1
        if phase.window_start <= finished < phase.window_end:
            if why is None:
                result.ok += 1
                result.latencies.append(finished - started)
            else:
                result.errors[why] += 1
        if first:
            first = False
            phase.answered_once += 1
            if phase.answered_once == phase.clients:
                phase.all_answered.set()


async def run_load(
    target: str,
    base_url: str,
    path: str,
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
    cookies: dict[str, str] | None = None,
    server_pid: int | None = None,
    database: str | None = None,
    client: str = "raw",
) -> Result:
    result = Result(target)
    kind = HttpxClient if client == "httpx" else RawClient
    pool = [kind(base_url, path, cookies) for _ in range(concurrency)]
    phase = _Phase(concurrency)
    loops = [asyncio.create_task(_loop(c, phase, result)) for c in pool]
    try:
        began = time.perf_counter()
        # Every request ends within REQUEST_TIMEOUT, so every client has its first answer by then.
        answered = asyncio.create_task(phase.all_answered.wait())
        await asyncio.wait([answered, *loops], return_when=asyncio.FIRST_COMPLETED)
        answered.cancel()
        await asyncio.sleep(max(0.0, began + warmup - time.perf_counter()))
        for done in loops:
            if done.done():
                done.result()  # a client that stopped early: its error, not a quiet gap in the figures
        server_cpu = process_cpu_seconds(server_pid) if server_pid else None
        backends = database_backends_cpu(database) if database else {}
        machine_cpu = machine_cpu_seconds()
        bench_cpu = time.process_time()
        phase.window_start = time.perf_counter()
        await asyncio.sleep(seconds)
        phase.window_end = time.perf_counter()
        result.seconds = phase.window_end - phase.window_start
        result.bench_cpu = time.process_time() - bench_cpu
        after = process_cpu_seconds(server_pid) if server_pid else None
        if server_cpu is not None and after is not None:
            result.server_cpu = after - server_cpu
        if database:  # a process that connected during the window: all of its time is the window's
            result.database_cpu = sum(cpu - backends.get(pid, 0.0) for pid, cpu in database_backends_cpu(database).items())
        machine_after = machine_cpu_seconds()
        if machine_cpu is not None and machine_after is not None:
            result.machine_cpu = machine_after - machine_cpu
        phase.stopping = True
        await asyncio.gather(*loops)  # the drain
    finally:
        phase.stopping = True
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await asyncio.gather(*(c.aclose() for c in pool), return_exceptions=True)
    return result
