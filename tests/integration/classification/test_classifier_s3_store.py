"""S3ModelStore against moto's in-process S3."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from aftersales.adapters.model_store_s3 import S3ModelStore

pytestmark = pytest.mark.integration


@mock_aws
def test_s3_store_roundtrip() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="models")
    store = S3ModelStore("models", prefix="classifier", client=s3)
    assert store.latest_approved() is None
    store.put("v1", b"artifact-1", {"eval_macro_f1": 0.7})
    assert store.latest_approved() is None
    store.approve("v1")
    assert store.latest_approved() == b"artifact-1"
    store.put("v2", b"artifact-2", {"eval_macro_f1": 0.8})
    store.approve("v2")
    assert store.latest_approved() == b"artifact-2"
    assert store.approved_metrics() == {"eval_macro_f1": 0.8}
    assert store.manifest()["history"] == ["v1", "v2"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="models")["Contents"]}
    assert "classifier/manifest.json" in keys
    assert "classifier/models/model-v1.bin" in keys
    with pytest.raises(KeyError):
        store.approve("missing")
