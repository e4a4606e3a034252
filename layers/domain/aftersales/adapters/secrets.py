"""Webhook secrets: Secrets Manager on AWS (cached by Powertools), a dev value locally."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities import parameters

from aftersales.settings import IntakeSettings


def webhook_secrets(settings: IntakeSettings) -> list[str]:
    """Current secret first; a JSON secret {"current": .., "previous": ..} supports rotation."""
    if not settings.webhook_secret_arn:
        return [settings.local_webhook_secret]
    value = parameters.get_secret(settings.webhook_secret_arn, max_age=300)
    if isinstance(value, bytes):
        value = value.decode()
    try:
        doc = json.loads(value)
    except json.JSONDecodeError:
        return [value]
    if isinstance(doc, dict):
        return [str(doc[k]) for k in ("current", "previous") if doc.get(k)]
    return [value]
