"""Model artifact storage port and a local-directory implementation.

Layout (same keys in S3): ``models/model-<version>.bin``, ``models/<version>.metrics.json``
and a ``manifest.json`` listing versions and which one is approved. The manifest is
the single source of truth for what ``latest_approved`` returns.
"""

from __future__ import annotations

import json
import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def artifact_name(version: str) -> str:
    return f"model-{version}.bin"


class ModelStore(ABC):
    """Where trained classifier artifacts live and which one is approved for serving."""

    @abstractmethod
    def latest_approved(self) -> bytes | None:
        """Bytes of the most recently approved artifact, or ``None``."""

    @abstractmethod
    def put(self, version: str, data: bytes, metrics: dict[str, Any]) -> None:
        """Store a candidate artifact with its evaluation metrics (not yet approved)."""

    @abstractmethod
    def approve(self, version: str) -> None:
        """Mark a stored version as the one to serve."""

    @abstractmethod
    def manifest(self) -> dict[str, Any]:
        """The manifest: ``{"approved": version|None, "versions": {version: metrics}}``."""

    def approved_metrics(self) -> dict[str, Any] | None:
        m = self.manifest()
        approved = m.get("approved")
        return m["versions"].get(approved) if approved else None


def _empty_manifest() -> dict[str, Any]:
    return {"approved": None, "versions": {}, "history": []}


class LocalModelStore(ModelStore):
    """Directory-backed store (dev machines, ``AFTERSALES_MODEL_DIR``, CI)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _write(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, self.root / name)  # atomic: readers never see half a file

    def manifest(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return _empty_manifest()
        data.setdefault("versions", {})
        data.setdefault("history", [])
        data.setdefault("approved", None)
        return data

    def put(self, version: str, data: bytes, metrics: dict[str, Any]) -> None:
        self._write(artifact_name(version), data)
        m = self.manifest()
        m["versions"][version] = dict(metrics)
        self._write(MANIFEST, json.dumps(m, indent=2, sort_keys=True).encode("utf-8"))

    def approve(self, version: str) -> None:
        m = self.manifest()
        if version not in m["versions"] or not (self.root / artifact_name(version)).exists():
            raise KeyError(f"unknown model version {version!r}")
        m["approved"] = version
        m["history"].append(version)
        self._write(MANIFEST, json.dumps(m, indent=2, sort_keys=True).encode("utf-8"))

    def latest_approved(self) -> bytes | None:
        version = self.manifest().get("approved")
        if not version:
            return None
        try:
            return (self.root / artifact_name(version)).read_bytes()
        except OSError:
            return None

    def get(self, version: str) -> bytes:
        return (self.root / artifact_name(version)).read_bytes()
