"""Closed-loop load: N clients, each sending its next request as soon as the last one answered.

Each client holds one keep-alive connection and sends the same request again
and again, with the given cookies (a returning visitor, or a signed-in person). A short unmeasured warm-up runs first (connections opened, templates
compiled), then the measured run. Every loop stops at its deadline; a request
then in flight may finish late by at most REQUEST_TIMEOUT.

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
import os
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

REQUEST_TIMEOUT = 10.0  # seconds


@dataclass
class Result:
    target: str
    seconds: float = 0.0
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    server_cpu: float | None = None  # CPU seconds the server process used during the run
    bench_cpu: float = 0.0  # CPU seconds this process used during the run
    machine_cpu: float | None = None  # CPU seconds all processes on the machine used during the run

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: int) -> float | None:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    def record(self, started: float, good: bool) -> None:
        if good:
            self.ok += 1
            self.latencies.append(time.perf_counter() - started)
        else:
            self.errors += 1


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


class RawClient:
    """GET one path over one keep-alive HTTP/1.1 connection; reconnects when the server closes."""

    def __init__(self, base_url: str, path: str, cookies: dict[str, str] | None) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        headers = [f"GET {path} HTTP/1.1", f"Host: {url.netloc}", "User-Agent: portal-bench", "Accept: text/html"]
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


async def _loop(client: RawClient | HttpxClient, deadline: float, result: Result | None) -> None:
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                good = await client.get() == 200
        except (*FAILURES, TimeoutError):
            await client.reset()
            good = False
        if result is not None:
            result.record(started, good)


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
    client: str = "raw",
) -> Result:
    result = Result(target)
    kind = HttpxClient if client == "httpx" else RawClient
    pool = [kind(base_url, path, cookies) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(_loop(c, time.perf_counter() + warmup, None) for c in pool))
        server_cpu = process_cpu_seconds(server_pid) if server_pid else None
        machine_cpu = machine_cpu_seconds()
        bench_cpu = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(_loop(c, started + seconds, result) for c in pool))
        result.seconds = time.perf_counter() - started
        result.bench_cpu = time.process_time() - bench_cpu
        after = process_cpu_seconds(server_pid) if server_pid else None
        if server_cpu is not None and after is not None:
            result.server_cpu = after - server_cpu
        machine_after = machine_cpu_seconds()
        if machine_cpu is not None and machine_after is not None:
            result.machine_cpu = machine_after - machine_cpu
    finally:
        await asyncio.gather(*(c.aclose() for c in pool), return_exceptions=True)
    return result


def _fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else format(value, spec) + suffix


def print_table(results: list[Result], baseline: Result | None) -> None:
    header = (
        f"{'target':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'vs bare':>8}"
        f" {'srv CPU':>8} {'bench CPU':>9} {'other CPU':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = r.rps / baseline.rps if baseline and baseline.rps else None
        srv = 100 * r.server_cpu / r.seconds if r.server_cpu is not None and r.seconds else None
        own = 100 * r.bench_cpu / r.seconds if r.seconds else None
        other = None
        if r.machine_cpu is not None and r.server_cpu is not None and r.seconds:
            other = max(0.0, 100 * (r.machine_cpu - r.server_cpu - r.bench_cpu) / r.seconds)
        print(
            f"{r.target:<34} {r.rps:>8.0f} {_fmt(r.percentile_ms(50), '.1f'):>8} {_fmt(r.percentile_ms(95), '.1f'):>8}"
            f" {r.errors:>7} {_fmt(ratio, '.2f'):>8} {_fmt(srv, '.0f', '%'):>8} {_fmt(own, '.0f', '%'):>9}"
            f" {_fmt(other, '.0f', '%'):>9}"
        )
