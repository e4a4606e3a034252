"""Intake → SQS → triage → DynamoDB → agent API, through the real handlers on moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from aftersales.intake.signing import sign
from lambda_events import FakeContext, http_event, json_body, post_json, sqs_event

pytestmark = pytest.mark.integration

BODY = json.dumps(
    {
        "external_id": "web-42",
        "customer": {"id": "c-42", "name": "赵六", "phone": "13711112222"},
        "order_id": "O-42",
        "text": "快递说已签收但我没收到",
    },
    ensure_ascii=False,
).encode()


def _drain(queue_url: str) -> list[dict[str, Any]]:
    return boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])


def test_signed_intake_becomes_a_ticket_visible_in_the_api(aws_env: dict[str, str]) -> None:
    from functions.intake_web.handler import lambda_handler as intake
    from functions.tickets_api.handler import lambda_handler as api
    from functions.triage.handler import lambda_handler as triage

    accepted = intake(
        http_event("POST", "/v1/intake/web", BODY, {"X-Aftersales-Signature": sign(BODY, "dev-secret")}),
        FakeContext(),
    )
    assert accepted["statusCode"] == 202
    ticket_id = json_body(accepted)["ticket_id"]

    messages = _drain(aws_env["INTAKE_QUEUE_URL"])
    assert len(messages) == 1
    result = triage(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:intake"), FakeContext())
    assert result == {"batchItemFailures": []}

    got = api(
        http_event(
            "GET",
            f"/v1/tickets/{ticket_id}",
            route="GET /v1/tickets/{ticket_id}",
            path_parameters={"ticket_id": ticket_id},
        ),
        FakeContext(),
    )
    assert got["statusCode"] == 200
    ticket = json_body(got)
    assert ticket["customer"]["name"] == "赵六" and ticket["status"] == "triaged" and ticket["version"] == 1

    listed = json_body(api(http_event("GET", "/v1/tickets"), FakeContext()))
    assert [t["id"] for t in listed["items"]] == [ticket_id]

    # Optimistic locking through the API: a stale version is a 409 with a JSON body.
    ok = api(
        post_json(f"/v1/tickets/{ticket_id}/status", {"status": "assigned", "expected_version": 1}),
        FakeContext(),
    )
    assert ok["statusCode"] == 200 and json_body(ok)["version"] == 2
    stale = api(
        post_json(f"/v1/tickets/{ticket_id}/status", {"status": "resolved", "expected_version": 1}),
        FakeContext(),
    )
    assert stale["statusCode"] == 409 and json_body(stale)["error"] == "concurrent_update"
    illegal = api(
        post_json(f"/v1/tickets/{ticket_id}/status", {"status": "new"}),
        FakeContext(),
    )
    assert illegal["statusCode"] == 409 and json_body(illegal)["error"] == "illegal_transition"


def test_bad_signature_is_401_and_nothing_is_enqueued(aws_env: dict[str, str]) -> None:
    from functions.intake_web.handler import lambda_handler as intake

    good = sign(BODY, "dev-secret")
    forged = good[:-1] + ("0" if good[-1] != "0" else "1")  # one character of the signature changed
    response = intake(http_event("POST", "/v1/intake/web", BODY, {"X-Aftersales-Signature": forged}), FakeContext())
    assert response["statusCode"] == 401 and json_body(response)["error"] == "invalid_signature"
    assert _drain(aws_env["INTAKE_QUEUE_URL"]) == []


def test_unknown_ticket_is_404_json(aws_env: dict[str, str]) -> None:
    from functions.tickets_api.handler import lambda_handler as api

    response = api(
        http_event(
            "GET", "/v1/tickets/T-NOPE", route="GET /v1/tickets/{ticket_id}", path_parameters={"ticket_id": "T-NOPE"}
        ),
        FakeContext(),
    )
    assert response["statusCode"] == 404 and json_body(response)["error"] == "not_found"


def test_a_poison_message_is_reported_as_a_batch_item_failure(aws_env: dict[str, str]) -> None:
    from functions.triage.handler import lambda_handler as triage

    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws_env["INTAKE_QUEUE_URL"], MessageBody='{"not": "an intake message"}')
    messages = _drain(aws_env["INTAKE_QUEUE_URL"])
    result = triage(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:intake"), FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}


def test_openapi_is_generated_from_the_models(aws_env: dict[str, str]) -> None:
    from functions.tickets_api.handler import lambda_handler as api

    spec = json_body(api(http_event("GET", "/v1/openapi.json"), FakeContext()))
    assert "/v1/tickets/{ticket_id}" in spec["paths"]
    assert "Ticket" in spec["components"]["schemas"]


def test_a_category_correction_through_the_api_is_stored_for_training(aws_env: dict[str, str]) -> None:
    from aftersales.adapters.dynamodb_corrections import DynamoCorrectionStore
    from functions.intake_web.handler import lambda_handler as intake
    from functions.tickets_api.handler import lambda_handler as api
    from functions.triage.handler import lambda_handler as triage

    accepted = intake(
        http_event("POST", "/v1/intake/web", BODY, {"X-Aftersales-Signature": sign(BODY, "dev-secret")}),
        FakeContext(),
    )
    ticket_id = json_body(accepted)["ticket_id"]
    triage(sqs_event(_drain(aws_env["INTAKE_QUEUE_URL"]), "arn:aws:sqs:us-east-1:123456789012:intake"), FakeContext())
    fixed = api(
        post_json(f"/v1/tickets/{ticket_id}/category", {"category": "logistics"}),
        FakeContext(),
    )
    assert fixed["statusCode"] == 200 and json_body(fixed)["category"] == "logistics"
    bad = api(
        post_json(f"/v1/tickets/{ticket_id}/category", {"category": "nonsense"}),
        FakeContext(),
    )
    assert bad["statusCode"] == 422
    [example] = DynamoCorrectionStore("tickets").list_all()
    assert example.ticket_id == ticket_id and example.category.value == "logistics"
    assert example.text == "快递说已签收但我没收到"


def test_corrections_export_feeds_training(aws_env: dict[str, str], tmp_path: Any) -> None:
    from aftersales.adapters.dynamodb_corrections import DynamoCorrectionStore
    from aftersales.classification.corrections import Correction, load_corrections
    from aftersales.cli import main
    from aftersales.taxonomy import Category

    DynamoCorrectionStore("tickets").save(Correction(text="发票抬头开错了", category=Category.INVOICE, ticket_id="T-1"))
    out = tmp_path / "corrections.jsonl"
    assert main(["corrections", "export", "--out", str(out)]) == 0
    [loaded] = load_corrections(out)
    assert loaded.category is Category.INVOICE and loaded.text == "发票抬头开错了"
