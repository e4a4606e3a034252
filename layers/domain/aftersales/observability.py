"""One Logger/Tracer/Metrics setup for every function (service name from POWERTOOLS_SERVICE_NAME)."""

from __future__ import annotations

import re

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="aftersales")
tracer = Tracer(service="aftersales")
metrics = Metrics(namespace="Aftersales", service="aftersales")

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phone(text: str) -> str:
    """138****5678: never log a customer's full phone number."""
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
