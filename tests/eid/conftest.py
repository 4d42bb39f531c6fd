"""The eID tests' own providers: panva's oidc-provider (certified), and the mock with its answers spoiled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.eid.certified_provider import running_certified_provider
from tests.eid.faulty_provider import FaultyProvider, running_faulty_provider


@pytest.fixture(scope="session")
def certified_provider() -> Iterator[str]:
    """The issuer of oidc-provider (Node), with the test people of tests/eid/certified_provider.py."""
    with running_certified_provider() as issuer:
        yield issuer


@pytest.fixture(scope="session")
def _faulty_provider_server() -> Iterator[FaultyProvider]:
    with running_faulty_provider() as provider:
        yield provider


@pytest.fixture
def faulty_provider(_faulty_provider_server: FaultyProvider) -> Iterator[FaultyProvider]:
    """The spoiling mock, answering well until the test sets `fault`; well again after the test."""
    _faulty_provider_server.fault = None
    yield _faulty_provider_server
    _faulty_provider_server.fault = None
