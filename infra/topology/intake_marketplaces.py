"""Marketplace pushes (抖店, 有赞, 快手) and our generic signed channels (web chat, SMS, phone, partners)."""

from __future__ import annotations

from infra.topology.spec import Access, FunctionSpec, RouteSpec, Topology

_PUSH_ACCESS = (Access.INTAKE_SEND, Access.IDEMPOTENCY, Access.CHANNEL_SECRETS_READ)

INTAKE_MARKETPLACES = Topology(
    functions=(
        FunctionSpec(
            name="intake_douyin",
            description="抖店 message push: verify event-sign, split the array, enqueue each message once, ack",
            access=_PUSH_ACCESS,
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="intake_youzan",
            description="有赞 push: verify Event-Sign, map refund events, enqueue once, ack",
            access=_PUSH_ACCESS,
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="intake_kuaishou",
            description="快手小店 push: AES-CBC decrypt, map after-sale events, enqueue once, ack",
            access=_PUSH_ACCESS,
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="intake_generic",
            description="Our signed JSON intake for web chat, SMS, call-centre transcripts and partners",
            access=(Access.INTAKE_SEND, Access.IDEMPOTENCY, Access.WEBHOOK_SECRET_READ),
            memory_mb=256,
            timeout_s=5,
        ),
    ),
    routes=(
        RouteSpec("POST", "/v1/intake/douyin", "intake_douyin"),
        RouteSpec("POST", "/v1/intake/youzan", "intake_youzan"),
        RouteSpec("POST", "/v1/intake/kuaishou", "intake_kuaishou"),
        RouteSpec("POST", "/v1/intake/webchat", "intake_generic"),
        RouteSpec("POST", "/v1/intake/sms", "intake_generic"),
        RouteSpec("POST", "/v1/intake/phone", "intake_generic"),
        RouteSpec("POST", "/v1/intake/partner", "intake_generic"),
    ),
    queues=(),
)
