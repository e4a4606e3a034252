"""Shared helpers for benchmarks: print ``name=value`` lines and merge into bench/latest.json."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

LATEST = Path(__file__).resolve().parent / "latest.json"


def record(figures: dict[str, float]) -> None:
    """Print each figure as ``name=value`` and merge them into ``bench/latest.json``."""
    for name, value in figures.items():
        print(f"{name}={value}")
    try:
        current = json.loads(LATEST.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    current.update(figures)
    fd, tmp = tempfile.mkstemp(dir=LATEST.parent, prefix=".latest-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(current, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, LATEST)
