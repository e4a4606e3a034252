"""Operations commands: ``replay`` sample events, ``seed`` demo data, inspect and redrive ``dlq``.

HTTP goes through stdlib urllib only (the CLI must run wherever the domain layer runs).
Queues are found by their ``aftersales:queue`` / ``aftersales:dlq`` tags, which the CDK
stack and the local runtime both set, so the same command works locally and on AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from aftersales.demo import DEFAULT_URL, post, secret_from_env, seed
from aftersales.intake.signing import SIGNATURE_HEADER, sign

QUEUE_TAG = "aftersales:queue"
DLQ_TAG = "aftersales:dlq"
LOCAL_STATE = Path(".local") / "cloud.json"


def _default_url() -> str:
    return os.environ.get("AFTERSALES_URL") or DEFAULT_URL


# -- replay ----------------------------------------------------------------------------------


def build_request(sample: dict[str, Any], secret: str) -> tuple[str, str, dict[str, str], bytes]:
    """(method, path, headers, raw body) for one replay-format sample; signs it when asked."""
    method, _, path = str(sample["route"]).partition(" ")
    if not path.startswith("/"):
        raise ValueError(f"route must look like 'POST /v1/intake/web', got {sample['route']!r}")
    if "raw_body" in sample:
        raw = str(sample["raw_body"]).encode("utf-8")
    elif "body" in sample:
        raw = json.dumps(sample["body"], ensure_ascii=False).encode("utf-8")
    else:
        raw = b""
    headers = {str(k): str(v) for k, v in (sample.get("headers") or {}).items()}
    scheme = sample.get("sign")
    if scheme == "generic":
        headers = {k: v for k, v in headers.items() if k.lower() != SIGNATURE_HEADER}
        headers["X-Aftersales-Signature"] = sign(raw, str(sample.get("secret") or secret))
    elif scheme not in (None, "", "none"):
        raise ValueError(f"unknown signing scheme {scheme!r} (supported: 'generic')")
    return method.upper(), path, headers, raw


def cmd_replay(args: argparse.Namespace) -> int:
    sample = json.loads(Path(args.file).read_text(encoding="utf-8"))
    method, path, headers, raw = build_request(sample, args.secret or secret_from_env())
    expected = sample.get("expect_status")
    ok = True
    for attempt in range(int(sample.get("repeat", 1))):
        result = post(args.url.rstrip("/") + path, raw, headers, method=method)
        print(json.dumps({"attempt": attempt + 1, "status": result.status, "body": result.body}, ensure_ascii=False))
        ok = ok and (result.status == expected if expected is not None else result.status < 400)
    return 0 if ok else 1


# -- seed ------------------------------------------------------------------------------------


def cmd_seed(args: argparse.Namespace) -> int:
    results = seed(args.url, args.secret or None)
    for result in results:
        print(json.dumps({"status": result.status, "body": result.body}, ensure_ascii=False))
    return 0 if all(r.status == 202 for r in results) else 1


# -- dlq -------------------------------------------------------------------------------------


def _sqs(endpoint: str | None) -> Any:
    import boto3

    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint and LOCAL_STATE.is_file():
        endpoint = json.loads(LOCAL_STATE.read_text(encoding="utf-8")).get("aws_endpoint")
    kwargs: dict[str, Any] = {"region_name": os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"}
    if endpoint:
        kwargs["endpoint_url"] = endpoint
        if endpoint.startswith(("http://127.0.0.1", "http://localhost")) and not os.environ.get("AWS_ACCESS_KEY_ID"):
            kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
    return boto3.client("sqs", **kwargs)


def find_queue(sqs: Any, tag: str, name: str) -> str:
    """URL of the queue tagged ``tag=name`` (tags, not physical names, identify queues)."""
    paginator = sqs.get_paginator("list_queues")
    for page in paginator.paginate():
        for url in page.get("QueueUrls", []):
            if sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(tag) == name:
                return str(url)
    raise LookupError(f"no queue tagged {tag}={name}")


def _count(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attrs.get("ApproximateNumberOfMessages", 0))


def _friendly(func: Any) -> Any:
    """One readable line instead of a botocore traceback when the stack is not reachable."""

    def wrapper(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return int(func(args))
        except (BotoCoreError, ClientError, LookupError) as exc:
            print(f"error: {exc} (is `make dev` running, or AWS_ENDPOINT_URL/--endpoint set?)", file=sys.stderr)
            return 2

    return wrapper


@_friendly
def cmd_dlq_list(args: argparse.Namespace) -> int:
    sqs = _sqs(args.endpoint)
    url = find_queue(sqs, DLQ_TAG, args.queue)
    print(json.dumps({"queue": args.queue, "dlq_url": url, "approximate_messages": _count(sqs, url)}))
    # VisibilityTimeout=0: look without hiding the messages from a concurrent redrive.
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=min(args.limit, 10), VisibilityTimeout=0, AttributeNames=["All"]
    ).get("Messages", [])
    for message in messages:
        print(
            json.dumps(
                {
                    "message_id": message["MessageId"],
                    "receive_count": message.get("Attributes", {}).get("ApproximateReceiveCount"),
                    "body": message["Body"][:2000],
                },
                ensure_ascii=False,
            )
        )
    return 0


@_friendly
def cmd_dlq_redrive(args: argparse.Namespace) -> int:
    """Move DLQ messages back to their source queue, body and attributes unchanged."""
    sqs = _sqs(args.endpoint)
    dlq = find_queue(sqs, DLQ_TAG, args.queue)
    source = find_queue(sqs, QUEUE_TAG, args.queue)
    # Bounded by the depth at the start, like StartMessageMoveTask: a message that fails again
    # and comes back to the DLQ while we work must not be moved in an endless loop.
    budget = _count(sqs, dlq) if args.max is None else min(args.max, _count(sqs, dlq))
    moved = 0
    while moved < budget:
        messages = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=min(10, budget - moved), WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            send: dict[str, Any] = {"QueueUrl": source, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                send["MessageAttributes"] = message["MessageAttributes"]
            sqs.send_message(**send)
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    print(json.dumps({"queue": args.queue, "redriven": moved}))
    return 0


# -- wiring ----------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    replay = subparsers.add_parser("replay", help="post a sample event file (events/**) to a running stack")
    replay.add_argument("file")
    replay.add_argument("--url", default=_default_url())
    replay.add_argument("--secret", default=None, help="webhook secret (default: $AFTERSALES_WEBHOOK_SECRET)")
    replay.set_defaults(func=cmd_replay)

    seed_cmd = subparsers.add_parser("seed", help="send the demo messages through the signed intake")
    seed_cmd.add_argument("--url", default=_default_url())
    seed_cmd.add_argument("--secret", default=None)
    seed_cmd.set_defaults(func=cmd_seed)

    dlq = subparsers.add_parser("dlq", help="inspect or redrive a dead-letter queue")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    for name, func, help_text in (
        ("list", cmd_dlq_list, "show the DLQ depth and peek at messages"),
        ("redrive", cmd_dlq_redrive, "move DLQ messages back to the source queue"),
    ):
        sub = dlq_sub.add_parser(name, help=help_text)
        sub.add_argument("--queue", default="intake", help="topology queue name")
        sub.add_argument("--endpoint", default=None, help="AWS endpoint (default $AWS_ENDPOINT_URL or .local)")
        if name == "list":
            sub.add_argument("--limit", type=int, default=10)
        else:
            sub.add_argument("--max", type=int, default=None)
        sub.set_defaults(func=func)


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(prog="aftersales")
    register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args()
    sys.exit(parsed.func(parsed))
