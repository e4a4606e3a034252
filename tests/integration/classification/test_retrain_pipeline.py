"""Agent correction through the API → scheduled retrain → promoted model → the next triage uses it (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from aftersales.intake.signing import sign
from lambda_events import FakeContext, http_event, json_body, post_json, sqs_event

pytestmark = pytest.mark.integration

TINY = [
    ("refund", "退款什么时候到账"),
    ("refund", "钱还没退回来"),
    ("refund", "退款失败了怎么办"),
    ("invoice", "发票怎么开"),
    ("invoice", "发票抬头写错了"),
    ("invoice", "电子发票在哪下载"),
    ("logistics", "快递怎么还没到"),
    ("logistics", "物流不更新了"),
    ("logistics", "快递到哪了"),
]
TEXT = "这台咖啡机我想换成白色的那款"


@pytest.fixture
def models(aws_env: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from functions.triage import handler as triage_handler

    boto3.client("s3").create_bucket(Bucket="models")
    training = tmp_path / "training"
    training.mkdir()
    (training / "tiny.tsv").write_text("".join(f"{c}\t{t}\n" for c, t in TINY * 3), encoding="utf-8")
    monkeypatch.setenv("MODEL_BUCKET", "models")
    monkeypatch.setenv("MODEL_REFRESH_SECONDS", "0")
    monkeypatch.setenv("AFTERSALES_TRAINING_DIR", str(training))
    triage_handler._classifier.cache_clear()
    yield "models"
    triage_handler._classifier.cache_clear()


def _intake_and_triage(external_id: str, queue_url: str) -> dict[str, Any]:
    from functions.intake_web.handler import lambda_handler as intake
    from functions.tickets_api.handler import lambda_handler as api
    from functions.triage.handler import lambda_handler as triage

    body = json.dumps(
        {"external_id": external_id, "customer": {"id": f"c-{external_id}", "name": "钱七"}, "text": TEXT},
        ensure_ascii=False,
    ).encode()
    accepted = intake(
        http_event("POST", "/v1/intake/web", body, {"X-Aftersales-Signature": sign(body, "dev-secret")}), FakeContext()
    )
    ticket_id = json_body(accepted)["ticket_id"]
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert triage(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:intake"), FakeContext()) == {
        "batchItemFailures": []
    }
    for m in messages:
        boto3.client("sqs").delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    got = api(
        http_event(
            "GET",
            f"/v1/tickets/{ticket_id}",
            route="GET /v1/tickets/{ticket_id}",
            path_parameters={"ticket_id": ticket_id},
        ),
        FakeContext(),
    )
    ticket: dict[str, Any] = json_body(got)
    return ticket


def test_a_correction_is_learnt_by_the_next_retrain_and_served_to_triage(aws_env: dict[str, Any], models: str) -> None:
    from aftersales.classification import Classifier
    from functions.retrain.handler import lambda_handler as retrain
    from functions.tickets_api.handler import lambda_handler as api

    before = _intake_and_triage("retrain-1", aws_env["INTAKE_QUEUE_URL"])
    [classified] = [h for h in before["history"] if h["action"] == "classified"]
    bundled = Classifier.bundled().version
    assert before["category"] != "size_mismatch"
    assert classified["detail"]["model_version"] == bundled
    assert set(classified["detail"]) >= {"alternatives", "anger", "keywords", "entities"}

    fixed = api(
        post_json(f"/v1/tickets/{before['id']}/category", {"category": "size_mismatch"}),
        FakeContext(),
    )
    assert fixed["statusCode"] == 200

    summary = retrain({"detail-type": "Scheduled Event", "detail": {}}, FakeContext())
    assert summary["promoted"] is True and summary["n_corrections"] == 1 and summary["previous"] is None
    manifest = json.loads(boto3.client("s3").get_object(Bucket=models, Key="classifier/manifest.json")["Body"].read())
    assert manifest["approved"] == summary["version"]

    after = _intake_and_triage("retrain-2", aws_env["INTAKE_QUEUE_URL"])
    assert after["category"] == "size_mismatch"
    [classified] = [h for h in after["history"] if h["action"] == "classified"]
    assert classified["detail"]["model_version"] == summary["version"] != bundled


def test_a_worse_model_is_stored_but_not_promoted(aws_env: dict[str, Any], models: str) -> None:
    from aftersales.adapters.model_store_s3 import S3ModelStore
    from functions.retrain.handler import lambda_handler as retrain

    store = S3ModelStore(models)
    store.put("perfect", b"not-served", {"eval_macro_f1": 1.01})
    store.approve("perfect")
    summary = retrain({"detail": {}}, FakeContext())
    assert summary["promoted"] is False and summary["previous"] == "perfect"
    assert store.manifest()["approved"] == "perfect" and summary["version"] in store.manifest()["versions"]
