"""Shared boto3 session/client factory.

``AWS_ENDPOINT_URL`` (honoured by boto3 itself) points every client at the embedded
moto server when running locally; nothing else differs between local and cloud.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


@cache
def resource(service: str) -> Any:
    return boto3.resource(service, config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints and credentials)."""
    client.cache_clear()
    resource.cache_clear()
