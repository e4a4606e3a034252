"""The whole system over HTTP on the embedded AWS: intake → queue → triage → table → API."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from e2e_http import Reply, http, wait_for

from aftersales.cli import main as cli_main
from aftersales.intake.signing import sign
from aftersales.models import ticket_id_for
from infra.topology import TOPOLOGY
from local.cloud import LocalCloud
from local.event_sources import Scheduler, failed_ids, scheduled_event
from local.gateway import MAX_REQUEST_BYTES, build_http_event, decode_lambda_response
from local.runtime import LambdaRuntime

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:No application metrics to publish")]

REPO = Path(__file__).resolve().parents[2]
SECRET = "dev-secret"


def message(external_id: str, text: str = "快递显示签收了但是我没收到，麻烦查一下物流") -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer": {"id": "cust-e2e", "name": "测试用户", "phone": "13800138000"},
        "order_id": "E2E-ORDER-1",
        "text": text,
    }


def post_intake(cloud: LocalCloud, raw: bytes, secret: str | None = SECRET) -> Reply:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Aftersales-Signature"] = sign(raw, secret)
    return http(f"{cloud.base_url}/v1/intake/web", "POST", raw, headers)


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def test_signed_post_is_readable_within_two_seconds(cloud: LocalCloud) -> None:
    started = time.perf_counter()
    reply = post_intake(cloud, encode(message("e2e-happy-1")))
    assert reply.status == 202, reply.raw
    ticket_id = reply.json()["ticket_id"]
    assert ticket_id == ticket_id_for("web", "e2e-happy-1")
    assert reply.headers.get("apigw-requestid")

    got = wait_for(lambda: (r := http(f"{cloud.base_url}/v1/tickets/{ticket_id}")).status == 200 and r, 2.0)
    latency = time.perf_counter() - started
    assert got, f"ticket {ticket_id} not readable within 2 s"
    ticket = got.json()
    assert ticket["id"] == ticket_id
    assert ticket["text"].startswith("快递")
    assert ticket["category"] == "logistics"
    print(f"POST→GET latency {latency * 1000:.0f} ms")

    listed = http(f"{cloud.base_url}/v1/tickets?status={ticket['status']}&limit=10")
    assert listed.status == 200
    assert ticket_id in {t["id"] for t in listed.json()["items"]}


def test_bad_signature_is_401_and_nothing_is_enqueued(cloud: LocalCloud) -> None:
    triage_before = len(cloud.runtime.invocations_of("triage"))
    reply = post_intake(cloud, encode(message("e2e-badsig-1")), secret="wrong-secret")
    assert reply.status == 401
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["error"] == "invalid_signature"
    unsigned = post_intake(cloud, encode(message("e2e-badsig-1")), secret=None)
    assert unsigned.status == 401

    time.sleep(1.5)  # longer than one long-poll cycle: a leaked message would have been consumed
    assert len(cloud.runtime.invocations_of("triage")) == triage_before
    attrs = cloud.client("sqs").get_queue_attributes(
        QueueUrl=cloud.resources.queues["intake"].url,  # type: ignore[union-attr]
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attrs == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    assert http(f"{cloud.base_url}/v1/tickets/{ticket_id_for('web', 'e2e-badsig-1')}").status == 404


def test_malformed_json_is_400(cloud: LocalCloud) -> None:
    reply = post_intake(cloud, b'{"external_id": "e2e-broken", "text": ')
    assert reply.status == 400
    assert reply.json()["error"] == "validation_failed"


def test_missing_fields_are_named(cloud: LocalCloud) -> None:
    reply = post_intake(cloud, encode({"external_id": "e2e-missing-1", "order_id": "X"}))
    assert reply.status == 400
    fields = {e["field"] for e in reply.json()["details"]["errors"]}
    assert {"customer", "text"} <= fields


def test_oversize_bodies_are_413(cloud: LocalCloud) -> None:
    # Above Lambda's 6 MB invoke limit: the gateway refuses before any function runs.
    huge = http(f"{cloud.base_url}/v1/intake/web", "POST", b"x" * (MAX_REQUEST_BYTES + 1))
    assert huge.status == 413
    assert huge.json()["error"] == "payload_too_large"
    # Above the intake's own 128 KiB limit: the handler refuses.
    big = post_intake(cloud, encode(message("e2e-big-1", text="很" * 60_000)))
    assert big.status == 413


def test_unknown_route_404_and_wrong_method_405(cloud: LocalCloud) -> None:
    missing = http(f"{cloud.base_url}/v1/nothing-here")
    assert missing.status == 404
    assert missing.json()["error"] == "not_found"
    wrong = http(f"{cloud.base_url}/v1/intake/web", "GET")
    assert wrong.status == 405
    assert wrong.json()["error"] == "method_not_allowed"


def test_the_spa_is_served_with_history_fallback(cloud: LocalCloud) -> None:
    index = http(f"{cloud.base_url}/")
    assert index.status == 200
    assert index.headers["content-type"].startswith("text/html")
    assert b'lang="zh-CN"' in index.raw
    script = http(f"{cloud.base_url}/app.js")
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    deep_link = http(f"{cloud.base_url}/tickets/T-123")
    assert deep_link.status == 200 and deep_link.raw == index.raw
    escape = http(f"{cloud.base_url}/../pyproject.toml")
    assert b"[project]" not in escape.raw
    assert http(f"{cloud.base_url}/v1/not-a-route").status == 404


def test_cors_for_the_local_spa(cloud: LocalCloud) -> None:
    origin = "http://localhost:5173"
    preflight = http(f"{cloud.base_url}/v1/tickets", "OPTIONS", headers={"Origin": origin})
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    normal = http(f"{cloud.base_url}/v1/openapi.json", headers={"Origin": origin})
    assert normal.status == 200
    assert normal.headers["access-control-allow-origin"] == origin
    foreign = http(f"{cloud.base_url}/v1/openapi.json", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


def test_failing_message_lands_in_dlq_intact(cloud: LocalCloud) -> None:
    assert cloud.resources is not None
    queue = cloud.resources.queues["intake"]
    spec = TOPOLOGY.queue("intake")
    sqs = cloud.client("sqs")
    poison = "this is not an IntakeMessage {"
    message_id = sqs.send_message(QueueUrl=queue.url, MessageBody=poison)["MessageId"]

    def in_dlq() -> list[dict[str, Any]]:
        got = sqs.receive_message(
            QueueUrl=queue.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        )
        return [m for m in got.get("Messages", []) if m["MessageId"] == message_id]

    found = wait_for(in_dlq, timeout_s=spec.max_receive_count * 2 + 10, interval_s=0.5)
    assert found, "poison message never reached the DLQ"
    assert found[0]["Body"] == poison
    attempts = [
        i for i in cloud.runtime.invocations_of("triage") if message_id in failed_ids(i.result)
    ]
    assert len(attempts) == spec.max_receive_count


def test_step_functions_execute_in_server_mode(cloud: LocalCloud) -> None:
    sfn = cloud.client("stepfunctions")
    definition = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
    arn = sfn.create_state_machine(
        name="e2e-pass", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"in": 1}))["executionArn"]
    done = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d, timeout_s=10
    )
    assert done and done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"ok": True}


@pytest.mark.parametrize(
    "sample", sorted(p.name for p in (REPO / "events" / "intake_web").glob("*.json")), ids=lambda s: s
)
def test_replay_sample_events(cloud: LocalCloud, sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``aftersales replay`` exits 0 when the stack answers each sample's expected status."""
    code = cli_main(["replay", str(REPO / "events" / "intake_web" / sample), "--url", cloud.base_url])
    out = capsys.readouterr().out
    assert code == 0, out
    if sample in ("valid.json", "duplicate.json"):
        replies = [json.loads(line) for line in out.splitlines() if line.startswith('{"attempt"')]
        assert len(replies) == (2 if sample == "duplicate.json" else 1)
        ids = {r["body"]["ticket_id"] for r in replies}
        assert len(ids) == 1
        ticket_id = ids.pop()
        assert wait_for(lambda: http(f"{cloud.base_url}/v1/tickets/{ticket_id}").status == 200, 3.0)


def test_wiring_matches_topology(cloud: LocalCloud) -> None:
    wiring = cloud.wiring()
    assert wiring["functions"] == {f.name for f in TOPOLOGY.functions}
    assert wiring["routes"] == {f"{r.method} {r.path}" for r in TOPOLOGY.routes}
    assert wiring["queues"] == {q.name for q in TOPOLOGY.queues}
    assert wiring["schedules"] == {s.name for s in TOPOLOGY.schedules}
    assert wiring["rules"] == {r.name for r in TOPOLOGY.rules}
    health = http(f"{cloud.base_url}/_local/wiring")
    assert health.status == 200
    assert set(health.json()["routes"]) == wiring["routes"]
    assert http(f"{cloud.base_url}/_local/schedules/no-such/run", "POST").status == 404


def test_http_event_is_faithful_v2() -> None:
    raw = b"\xff\xfe binary"
    event = build_http_event(
        "POST /v1/things/{id}",
        "POST",
        "/v1/things/a%20b?tag=x&tag=y&empty=",
        [("Content-Type", "application/octet-stream"), ("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "a=1; b=2")],
        raw,
        {"id": "a b"},
        "127.0.0.1",
        "req-1",
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/things/{id}"
    assert event["rawPath"] == "/v1/things/a%20b"
    assert event["rawQueryString"] == "tag=x&tag=y&empty="
    assert event["queryStringParameters"] == {"tag": "x,y", "empty": ""}
    assert event["headers"]["x-multi"] == "1,2"
    assert "cookie" not in event["headers"] and event["cookies"] == ["a=1", "b=2"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["stage"] == "$default"
    text = build_http_event("GET /", "GET", "/", [], "签名原文 {\"a\":1}".encode(), {}, "127.0.0.1", "r")
    assert text["isBase64Encoded"] is False and text["body"] == "签名原文 {\"a\":1}"
    assert "queryStringParameters" not in text and "pathParameters" not in text


def test_lambda_response_decoding() -> None:
    status, headers, body = decode_lambda_response({"statusCode": 201, "cookies": ["s=1"], "body": "x"})
    assert (status, body) == (201, b"x") and ("set-cookie", "s=1") in headers
    assert decode_lambda_response({"a": 1})[0] == 200
    encoded = {"statusCode": 200, "isBase64Encoded": True, "body": base64.b64encode(b"\x00\x01").decode()}
    assert decode_lambda_response(encoded)[2] == b"\x00\x01"


def test_scheduler_sends_a_scheduled_event() -> None:
    import threading

    from infra.topology import FunctionSpec, ScheduleSpec

    seen: list[dict[str, Any]] = []
    runtime = LambdaRuntime((FunctionSpec("tick", "test"),))

    def tick(event: dict[str, Any], context: Any) -> dict[str, str]:
        seen.append(event)
        return {"ok": context.function_name}

    runtime.handlers["tick"] = tick
    stop = threading.Event()
    scheduler = Scheduler(ScheduleSpec("every5", "tick", 5), "arn:aws:events:us-east-1:1:rule/x", runtime, stop, 3000)
    scheduler.start()
    assert wait_for(lambda: len(seen) >= 1, 2.0)  # 5 min / 3000 = 0.1 s
    stop.set()
    scheduler.join(2)
    assert seen[0]["detail-type"] == "Scheduled Event" and seen[0]["source"] == "aws.events"
    assert seen[0]["resources"] == ["arn:aws:events:us-east-1:1:rule/x"]
    assert scheduled_event("arn")["detail"] == {}
