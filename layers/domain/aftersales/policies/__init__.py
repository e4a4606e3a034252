"""Versioned policy files (SLA, thresholds, routing tables) with per-deployment overrides.

A deployment overrides a policy by pointing ``AFTERSALES_POLICY_DIR`` at a folder holding
a file of the same name; keys there replace the bundled ones (shallow merge).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

_BUNDLED = Path(__file__).parent


@cache
def load_policy(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_BUNDLED / f"{name}.json").read_text(encoding="utf-8"))
    override_dir = os.environ.get("AFTERSALES_POLICY_DIR")
    if override_dir:
        override = Path(override_dir) / f"{name}.json"
        if override.is_file():
            data.update(json.loads(override.read_text(encoding="utf-8")))
    return data
