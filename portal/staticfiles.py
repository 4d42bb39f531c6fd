"""The static files: read, hashed and compressed once at start-up, then served from memory.

`Manifest` holds every file under `portal/static/` with its content version (the `?v=` of
`templating.static_url`), its bytes, and for text types its gzip (level 9) and brotli (quality 11)
forms. The directory is small (three files, under 100 KB; about 130 KB held with both compressed
forms), so memory is the right place: no build step to forget, and no build directory that could
disagree with the files this process hashed. A request costs a dictionary look-up and a header
parse, not a file read or a compression (Starlette's GZipMiddleware compressed every response again).

`VersionedStaticFiles` serves the manifest at `/static`: the encoding from `Accept-Encoding`
(br preferred, then gzip, with q-values), a strong ETag per encoding and 304 for `If-None-Match`,
HEAD, and a year's immutable caching only for a URL whose `?v=` is the file's current version.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Kinds of file that compress; woff2 and png are compressed already, and gzip would only add bytes.
MEDIA_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",  # RFC 9239
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".map": "application/json",
}
# Text is UTF-8; the charset saves a browser guessing (JSON has no charset parameter: RFC 8259).
CHARSET_TYPES = ("text/", "image/svg+xml")
# Encodings the manifest holds, in the order preferred when a browser accepts several equally.
ENCODINGS = ("br", "gzip")
IMMUTABLE = "public, max-age=31536000, immutable"
# A URL without the file's current version (none, or one from before a deploy) may be answered with other
# bytes after the next deploy: kept briefly, and the ETag makes asking again cheap.
SHORT = "public, max-age=300"


@dataclass(frozen=True)
class StaticFile:
    """One file: its version and every form it is served in (encoding → bytes; "identity" is the file itself)."""

    version: str
    media_type: str
    bodies: dict[str, bytes]

    def etag(self, encoding: str) -> str:
        # Strong, and different per encoding: each is a different representation (RFC 9110 8.8.3).
        return f'"{self.version}"' if encoding == "identity" else f'"{self.version}-{encoding}"'


@dataclass(frozen=True)
class Manifest:
    files: dict[str, StaticFile]

    @property
    def versions(self) -> dict[str, str]:
        return {path: file.version for path, file in self.files.items()}


def version_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:12]


def media_type_of(path: Path) -> str:
    media_type = MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{media_type}; charset=utf-8" if media_type.startswith(CHARSET_TYPES) else media_type


@lru_cache(maxsize=64)
def precompressed(content: bytes) -> dict[str, bytes]:
    """The compressed forms that are smaller than the file, done once per content in a process.

    Keyed by the content itself, so every app a process makes (the tests make one per test) shares
    the work, and a changed file is compressed again. Brotli at 11 takes about 80 ms for the three files.
    """
    forms = {
        "br": brotli.compress(content, quality=11),
        "gzip": gzip.compress(content, compresslevel=9, mtime=0),  # mtime=0: the same bytes every start
    }
    return {encoding: body for encoding, body in forms.items() if len(body) < len(content)}


def build_manifest(directory: Path) -> Manifest:
    files = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        content = path.read_bytes()
        compressible = path.suffix.lower() in MEDIA_TYPES
        files[path.relative_to(directory).as_posix()] = StaticFile(
            version=version_of(content),
            media_type=media_type_of(path),
            bodies={**(precompressed(content) if compressible else {}), "identity": content},
        )
    return Manifest(files)


@lru_cache(maxsize=8)
def _manifest(directory: Path, stamp: tuple[tuple[str, int, int], ...]) -> Manifest:
    return build_manifest(directory)


def load_manifest(directory: Path) -> Manifest:
    """The directory's manifest, built once while no file changes (size and mtime, as make judges).

    The app's static route and `templating.static_versions` both ask for it when the app is made;
    they share one manifest, so each file is read and hashed once.
    """
    stamp = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            stat = path.stat()
            stamp.append((path.as_posix(), stat.st_size, stat.st_mtime_ns))
    return _manifest(directory, tuple(stamp))


def _quality(value: str) -> float:
    try:
        quality = float(value)
    except ValueError:
        return 0.0
    return quality if 0.0 <= quality <= 1.0 else 0.0


def accepted_encodings(header: str | None) -> dict[str, float]:
    """Accept-Encoding as coding → q (RFC 9110 12.5.3); "*" stands for any coding not named."""
    if header is None:
        return {}
    qualities: dict[str, float] = {}
    for part in header.split(","):
        coding, *params = (piece.strip() for piece in part.split(";"))
        coding = coding.lower()
        if coding == "x-gzip":  # the same coding (RFC 9110 8.4.1.3)
            coding = "gzip"
        if not coding:
            continue
        quality = 1.0
        for param in params:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                quality = _quality(value.strip())
        qualities[coding] = quality
    return qualities


def choose_encoding(header: str | None, available: Sequence[str]) -> str:
    """The encoding to send: the highest q among those held; br before gzip before identity at equal q.

    Without the header, the file itself. The file itself competes with its own q only when named
    ("gzip;q=0.5, identity"), or through "*"; otherwise it is what is left when nothing else is
    accepted, and it is sent even when refused ("identity;q=0"), which RFC 9110 allows and serves
    a confused client better than a 406.
    """
    qualities = accepted_encodings(header)
    if not qualities:
        return "identity"
    wildcard = qualities.get("*")
    best, best_quality = "identity", qualities.get("identity", wildcard or 0.0)
    for encoding in available:
        quality = qualities.get(encoding, wildcard or 0.0)
        if quality > 0 and quality >= best_quality and (best == "identity" or quality > best_quality):
            best, best_quality = encoding, quality
    return best


def takes_gzip(scope: Scope) -> bool:
    """The request's Accept-Encoding takes gzip (not "gzip;q=0"). Parsed only when it names gzip at all."""
    for name, value in scope["headers"]:
        if name == b"accept-encoding" and b"gzip" in value:
            return choose_encoding(value.decode("latin-1"), ("gzip",)) == "gzip"
    return False


def route_path(scope: Scope) -> str:
    """The path below the app's (or the mount's) root path: what the route matched."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path):] if root_path and path.startswith(root_path) else path


def _matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ is ignored."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


class VersionedStaticFiles:
    """`/static/<path>` from the manifest: GET and HEAD, negotiated encoding, ETag and 304, versioned caching."""

    def __init__(self, directory: Path) -> None:
        self.manifest = load_manifest(directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise HTTPException(404)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"allow": "GET, HEAD"})
        # Only the manifest's own keys are served: "..", "//" or a backslash can name no file outside it.
        path = route_path(scope).removeprefix("/")
        file = self.manifest.files.get(path)
        if file is None:
            raise HTTPException(404)
        request_headers = Headers(scope=scope)
        encodings = [encoding for encoding in ENCODINGS if encoding in file.bodies]
        encoding = choose_encoding(request_headers.get("accept-encoding"), encodings)
        body = file.bodies[encoding]
        requested_version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [None])[0]
        # What a 304 repeats of the 200 it stands for (RFC 9110 15.4.5): the validator and how to cache.
        headers = [
            (b"etag", file.etag(encoding).encode()),
            (b"cache-control", (IMMUTABLE if requested_version == file.version else SHORT).encode()),
        ]
        if encodings:  # the answer depends on Accept-Encoding only where there are encodings to choose
            headers.append((b"vary", b"Accept-Encoding"))
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None and _matches(if_none_match, file.etag(encoding)):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-type", file.media_type.encode()))
        if encoding != "identity":
            headers.append((b"content-encoding", encoding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


class GZipOutsideStatic(GZipMiddleware):
    """GZipMiddleware for every response but the static files', which come compressed already.

    Starlette's GZipMiddleware leaves a response that has a Content-Encoding alone, but it does not
    read q-values: for "gzip;q=0" (or "gzip;q=0.5, identity") the static files answer with the file
    itself, and the middleware would gzip it anyway, under the uncompressed file's ETag and length.
    """

    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 9, *, exclude_prefix: str = "/static/") -> None:
        super().__init__(app, minimum_size=minimum_size, compresslevel=compresslevel)
        self.exclude_prefix = exclude_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope).startswith(self.exclude_prefix):
            await self.app(scope, receive, send)
            return
        if takes_gzip(scope):
            await super().__call__(scope, receive, send)
            return

        # Not compressed for this client; a cache between it and us is told the answer differs by Accept-Encoding
        # (what GZipMiddleware's identity responder says, without its copy of each response's headers).
        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-encoding" not in headers:
                    headers.add_vary_header("Accept-Encoding")
            await send(message)

        await self.app(scope, receive, send_with_vary)
