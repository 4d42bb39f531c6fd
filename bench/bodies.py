"""`python -m bench.bodies`: how much a worker's memory grows while large posts arrive at once.

Not run in CI. The portal runs under uvicorn (one worker, a SQLite database of its own); N
clients post a B-megabyte multipart body each, all at once, to the documents step of an
application (the one route whose posts may carry that much: 5 files of 10 MB). Nobody is
signed in, so each body is read whole (to its route's limit), kept on disk past the first
megabyte, and then refused for its missing CSRF token. Printed: the worker's resident memory
before, its peak (VmHWM) and after, and what each client was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.__main__ import HOST, _free_port, start_server
from portal import db as database

MIB = 1024 * 1024


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values


async def post_all(base_url: str, clients: int, megabytes: int) -> list[int]:
    boundary = "benchboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + b"%PDF-1.7\n" + b"x" * (megabytes * MIB) + f"\r\n--{boundary}--\r\n".encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}

    async def one(client: httpx.AsyncClient) -> int:
        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), MIB):
                yield body[start:start + MIB]

        response = await client.post(f"{base_url}/lv/apply/1/documents", content=chunks(), headers=headers)
        return response.status_code

    async with httpx.AsyncClient(timeout=120, trust_env=False) as client:
        return list(await asyncio.gather(*(one(client) for _ in range(clients))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bodies", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--megabytes", type=int, default=45)
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-bodies-")))
        database_url = f"sqlite:///{work / 'portal.sqlite3'}"
        database.upgrade(database_url)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")} | {
            "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "bench-bodies", "PORTAL_BASE_URL": f"http://{HOST}:{port}",
            "PORTAL_UPLOAD_DIR": str(work / "uploads"), "TMPDIR": str(work),
        }
        base_url, process = start_server(stack, "portal", "portal.cli:app_from_env", env, work, "/healthz", factory=True, port=port)
        for _ in range(20):  # warm up: templates compiled, pools open
            httpx.get(f"{base_url}/lv/", trust_env=False)
        before = memory_of(process.pid)
        started = time.monotonic()
        statuses = asyncio.run(post_all(base_url, args.clients, args.megabytes))
        seconds = time.monotonic() - started
        time.sleep(1)
        after = memory_of(process.pid)
    print(f"{args.clients} posts of {args.megabytes} MB at once, in {seconds:.1f} s; answered {sorted(set(statuses))}")
    print(f"worker memory: before {before['VmRSS'] / MIB:.1f} MiB, peak {after['VmHWM'] / MIB:.1f} MiB "
          f"(+{(after['VmHWM'] - before['VmRSS']) / MIB:.1f}), after {after['VmRSS'] / MIB:.1f} MiB "
          f"(+{(after['VmRSS'] - before['VmRSS']) / MIB:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
