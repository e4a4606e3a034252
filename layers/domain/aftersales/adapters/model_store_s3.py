"""S3 implementation of the classifier ``ModelStore`` port."""

from __future__ import annotations

import json
from typing import Any

from aftersales.adapters.aws import client as aws_client
from aftersales.classification.store import MANIFEST, ModelStore, artifact_name
from aftersales.classifier_port import StoreBackedClassifier
from aftersales.settings import ClassifierSettings


class S3ModelStore(ModelStore):
    """Artifacts under ``s3://bucket/prefix/models/``, manifest at ``prefix/manifest.json``."""

    def __init__(self, bucket: str, prefix: str = "classifier", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.s3 = client or aws_client("s3")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def manifest(self) -> dict[str, Any]:
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self._key(MANIFEST))
        except self.s3.exceptions.NoSuchKey:
            return {"approved": None, "versions": {}, "history": []}
        data: dict[str, Any] = json.loads(obj["Body"].read())
        data.setdefault("versions", {})
        data.setdefault("history", [])
        data.setdefault("approved", None)
        return data

    def _save_manifest(self, m: dict[str, Any]) -> None:
        body = json.dumps(m, indent=2, sort_keys=True).encode("utf-8")
        self.s3.put_object(Bucket=self.bucket, Key=self._key(MANIFEST), Body=body, ContentType="application/json")

    def put(self, version: str, data: bytes, metrics: dict[str, Any]) -> None:
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self._key(f"models/{artifact_name(version)}"),
            Body=data,
            ContentType="application/octet-stream",
        )
        m = self.manifest()
        m["versions"][version] = dict(metrics)
        self._save_manifest(m)

    def approve(self, version: str) -> None:
        m = self.manifest()
        if version not in m["versions"]:
            raise KeyError(f"unknown model version {version!r}")
        m["approved"] = version
        m["history"].append(version)
        self._save_manifest(m)

    def latest_approved(self) -> bytes | None:
        version = self.manifest().get("approved")
        if not version:
            return None
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self._key(f"models/{artifact_name(version)}"))
        except self.s3.exceptions.NoSuchKey:
            return None
        body: bytes = obj["Body"].read()
        return body


def serving_classifier() -> StoreBackedClassifier:
    """The classifier a Lambda serves: the approved model of ``MODEL_BUCKET`` if set, else the bundled one."""
    settings = ClassifierSettings.from_env()
    store = S3ModelStore(settings.model_bucket, settings.model_prefix) if settings.model_bucket else None
    return StoreBackedClassifier(store, refresh_s=settings.model_refresh_s)
