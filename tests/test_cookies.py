"""The session cookie's signer (portal.cookies.FixedKeySigner) takes exactly what itsdangerous's takes.

It keys its HMAC once instead of per cookie; the format and every check are itsdangerous's, so a
cookie signed before the change still signs in, and anything itsdangerous refuses is refused.
"""

from __future__ import annotations

import base64
import json

import itsdangerous
import pytest

from portal.cookies import FixedKeySigner

SECRET = "a secret of the tests, long enough"
MAX_AGE = 3600


def signed(signer: itsdangerous.TimestampSigner, data: dict[str, str]) -> bytes:
    return signer.sign(base64.b64encode(json.dumps(data).encode()))


def outcome(signer: itsdangerous.TimestampSigner, value: bytes) -> bytes | str:
    """The value it reads, or "refused" (the session middleware treats every BadSignature alike: no session)."""
    try:
        if isinstance(signer, FixedKeySigner):
            return signer.unsign_within(value, MAX_AGE)
        return bytes(signer.unsign(value, max_age=MAX_AGE))
    except itsdangerous.BadSignature:
        return "refused"


def cases() -> dict[str, bytes]:
    reference = itsdangerous.TimestampSigner(SECRET)
    good = signed(reference, {"csrf": "token", "lang": "lv"})
    payload, _, signature = good.rpartition(b".")
    value, _, stamp = payload.rpartition(b".")
    other_key = signed(itsdangerous.TimestampSigner(SECRET + "!"), {"csrf": "token"})
    return {
        "signed": good,
        "payload changed": b"x" + good,
        "signature changed": payload + b"." + signature[::-1],
        "signature missing": payload,
        "no separator": b"nothing-here",
        "empty": b"",
        "another key": other_key,
        "timestamp removed, signature kept": value + b"." + signature,
        "stamp not base64, signed": resign(value + b".!!!"),
        "stamp empty, signed": resign(value + b"."),
        "in the future": resign(value + b"." + itsdangerous.encoding.base64_encode(itsdangerous.encoding.int_to_bytes(2**33))),
        "too old": resign(value + b"." + itsdangerous.encoding.base64_encode(itsdangerous.encoding.int_to_bytes(1_000_000))),
        "no timestamp, signed": resign(value),
    }


def resign(payload: bytes) -> bytes:
    """A payload signed with the right key, whatever its timestamp part holds (what only a key holder could make)."""
    reference = itsdangerous.TimestampSigner(SECRET)
    return payload + b"." + reference.get_signature(payload)


@pytest.mark.parametrize("case", list(cases()))
def test_the_signer_takes_and_refuses_what_itsdangerous_does(case: str) -> None:
    value = cases()[case]
    expected = outcome(itsdangerous.TimestampSigner(SECRET), value)
    assert outcome(FixedKeySigner(SECRET), value) == expected
    assert (expected == "refused") == (case != "signed")  # the cases are what they say


def test_a_good_cookie_reads_back_and_a_changed_one_does_not() -> None:
    ours = FixedKeySigner(SECRET)
    value = signed(ours, {"csrf": "token"})
    assert json.loads(base64.b64decode(ours.unsign_within(value, MAX_AGE))) == {"csrf": "token"}
    assert outcome(ours, value[:-1] + (b"A" if value[-1:] != b"A" else b"B")) == "refused"
    with pytest.raises(itsdangerous.SignatureExpired):
        ours.unsign_within(cases()["too old"], MAX_AGE)
