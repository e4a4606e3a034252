"""WeChat family fragment: 公众号, 企业微信/微信客服 (+ the kf_sync pull), 微信小店."""

from __future__ import annotations

from infra.topology.spec import Access, FunctionSpec, QueueSpec, RouteSpec, Topology

KF_SYNC_QUEUE = "kf_sync"  # intake_wecom finds it via KF_SYNC_QUEUE_URL or as the intake queue's sibling

_INTAKE_ACCESS = (Access.INTAKE_SEND, Access.IDEMPOTENCY, Access.CHANNEL_SECRETS_READ)

WECHAT = Topology(
    functions=(
        FunctionSpec(
            name="intake_wechat",
            description="微信公众号 callback: URL check, plain/safe-mode messages → intake queue, 'success'",
            access=_INTAKE_ACCESS,
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="intake_wecom",
            description="企业微信 callback: URL check, encrypted messages; 微信客服 notifications → kf_sync queue",
            access=_INTAKE_ACCESS,
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="intake_wechat_shop",
            description="微信小店 after-sale/complaint pushes → intake queue (details fetched by triage)",
            access=_INTAKE_ACCESS,
            memory_mb=256,
            timeout_s=5,
        ),
        FunctionSpec(
            name="kf_sync",
            description="微信客服 pull: kf/sync_msg pages after the stored cursor → intake queue",
            access=(*_INTAKE_ACCESS, Access.TICKETS_READ, Access.TICKETS_WRITE),
            memory_mb=256,
            timeout_s=30,
        ),
    ),
    routes=(
        RouteSpec("GET", "/v1/intake/wechat", "intake_wechat"),
        RouteSpec("POST", "/v1/intake/wechat", "intake_wechat"),
        RouteSpec("GET", "/v1/intake/wecom", "intake_wecom"),
        RouteSpec("POST", "/v1/intake/wecom", "intake_wecom"),
        RouteSpec("GET", "/v1/intake/wechat-shop", "intake_wechat_shop"),
        RouteSpec("POST", "/v1/intake/wechat-shop", "intake_wechat_shop"),
    ),
    queues=(QueueSpec(KF_SYNC_QUEUE, consumer="kf_sync", batch_size=5, max_receive_count=5, visibility_timeout_s=180),),
)
