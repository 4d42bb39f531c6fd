"""portal.holed_gzip: parts compressed once, a value between them per request, one valid gzip member."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.holed_gzip import HoledGzip


@given(parts=st.lists(st.binary(max_size=3000), min_size=1, max_size=5), value=st.binary(max_size=300))
def test_the_gzip_is_the_parts_joined_by_the_value(parts: list[bytes], value: bytes) -> None:
    page = HoledGzip(parts)
    assert page.text(value) == value.join(parts)
    assert gzip.decompress(page.gzipped(value)) == value.join(parts)
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)  # as a browser reads it: one member, nothing after it
    assert stream.decompress(page.gzipped(value)) == value.join(parts)
    assert stream.eof and stream.unused_data == b""


def test_a_repeated_page_compresses_about_as_well_as_gzip_of_the_whole() -> None:
    parts = ["<p>Palīdzība </p>".encode() * 200, b"<form>" + b"<input>" * 300, b"</html>"]
    token = b"Zy3mR9sJkq0vTtYc8oWbP1nLxAe5uHdG7fKiQ2rVwSg"
    whole = len(gzip.compress(token.join(parts), compresslevel=9))
    assert len(HoledGzip(parts).gzipped(token)) < whole + 2 * (len(token) + 5) + 100


def test_a_value_too_long_for_a_stored_block_is_refused() -> None:
    with pytest.raises(ValueError):
        HoledGzip([b"a", b"b"]).gzipped(b"x" * 70_000)
