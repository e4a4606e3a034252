"""Shared test setup: fake AWS credentials, no tracing, network blocked for unit tests."""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Iterator

import pytest

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_DEV", "false")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)
warnings.filterwarnings("ignore", message="No application metrics to publish")


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _block_network_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unit tests must not touch the network: domain logic runs on in-memory fakes."""
    if "/tests/unit/" not in str(request.node.fspath):
        yield
        return

    def guard(*_: object, **__: object) -> None:
        raise NetworkBlocked("unit tests may not open network connections")

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket, "create_connection", guard)
    yield
