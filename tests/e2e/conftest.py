"""End-to-end fixtures: one LocalCloud per test module (env vars are restored when it stops)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from local.cloud import LocalCloud

warnings.filterwarnings("ignore", message="No application metrics to publish")


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    # retry_delay_s=1: failed SQS records come back after 1 s, so the DLQ test takes seconds.
    with LocalCloud(port=0, retry_delay_s=1) as running:
        yield running
