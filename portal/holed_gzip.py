"""A page compressed once, with holes where each request puts its own short value (a kept page's CSRF token).

The public pages (`templating.PublicPages`) are the same for every visitor but for the session's CSRF
token. Compressing the whole page for each browser that takes gzip cost more than everything else the
start page does (about 130 µs of CPU for its 5 KB, against about 180 µs for the rest of the request).

Here each fixed part is deflated once on its own: it ends on a sync flush, so the next block starts on a
byte boundary and refers to nothing before it. A request's value goes between the parts as a stored
(uncompressed) block. What comes out is one ordinary gzip member (RFC 1952), whose trailer, the CRC-32
and length of the whole page, is the only thing computed per request.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

# The member's header: deflate, no name or comment, no modification time, "unknown" operating system.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
_STORED_MAX = 0xFFFF  # the most a stored block holds (RFC 1951 3.2.4)


def _deflated(part: bytes, *, last: bool) -> bytes:
    """Raw deflate of one part: the last ends the stream, the others end byte-aligned with nothing pending."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(part) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _stored(value: bytes) -> bytes:
    """A stored block, not the last (BFINAL 0, BTYPE 00; its three bits padded to the byte), then its length,
    the length's complement and the bytes themselves."""
    return b"\x00" + struct.pack("<HH", len(value), len(value) ^ 0xFFFF) + value


class HoledGzip:
    """`parts` joined by a value given per request, as the text itself or as gzip."""

    def __init__(self, parts: Sequence[bytes]) -> None:
        if not parts:
            raise ValueError("a text has at least one part")
        self.parts = tuple(parts)
        self._deflated = tuple(_deflated(part, last=number == len(parts) - 1) for number, part in enumerate(parts))

    def text(self, value: bytes) -> bytes:
        return value.join(self.parts)

    def gzipped(self, value: bytes) -> bytes:
        if len(value) > _STORED_MAX:
            raise ValueError("a value in a hole is at most 65,535 bytes")
        text = self.text(value)
        trailer = struct.pack("<II", zlib.crc32(text), len(text) & 0xFFFFFFFF)
        return b"".join((_HEADER, _stored(value).join(self._deflated), trailer))
