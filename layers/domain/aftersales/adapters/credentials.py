"""Per-shop channel credentials.

Cloud: one Secrets Manager secret per shop, ``<CHANNEL_SECRETS_PREFIX>/<channel>/<shop>``
holding a JSON object, read through Powertools parameters (cached for 5 minutes).
Local: ``config/dev-credentials.json`` (committed development values), or the file
named by ``AFTERSALES_CREDENTIALS_FILE``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from aftersales.errors import SignatureInvalid

_DEV_FILE = Path(__file__).resolve().parents[4] / "config" / "dev-credentials.json"


@cache
def _dev_credentials() -> dict[str, dict[str, dict[str, str]]]:
    path = Path(os.environ.get("AFTERSALES_CREDENTIALS_FILE") or _DEV_FILE)
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def channel_credentials(channel: str, shop: str = "default") -> dict[str, str]:
    """Credentials of one shop on one channel; unknown shops are an authentication failure."""
    if os.environ.get("AFTERSALES_STAGE", "local") == "cloud":
        from aws_lambda_powertools.utilities import parameters

        prefix = os.environ["CHANNEL_SECRETS_PREFIX"]
        try:
            value = parameters.get_secret(f"{prefix}/{channel}/{shop}", transform="json", max_age=300)
        except parameters.exceptions.GetParameterError:
            raise SignatureInvalid(f"no credentials for {channel} shop {shop!r}") from None
        return {str(k): str(v) for k, v in dict(value).items()}
    shops = _dev_credentials().get(channel, {})
    if shop not in shops:
        raise SignatureInvalid(f"no credentials for {channel} shop {shop!r}")
    return dict(shops[shop])


def find_shop(channel: str, field: str, value: str) -> tuple[str, dict[str, str]]:
    """Locally, look a shop up by a public id (app key, client id, CorpID) sent in the request."""
    if os.environ.get("AFTERSALES_STAGE", "local") == "cloud":
        return value, channel_credentials(channel, value)
    for shop, creds in _dev_credentials().get(channel, {}).items():
        if creds.get(field) == value:
            return shop, dict(creds)
    raise SignatureInvalid(f"unknown {channel} {field} {value!r}")
