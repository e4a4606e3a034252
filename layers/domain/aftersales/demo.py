"""Demo after-sales messages and a stdlib client that posts them through the signed intake.

Shared by ``make dev`` (local/seed.py) and ``aftersales seed``: demo data always enters
through the real ``POST /v1/intake/web`` route, never straight into the table, so the
demo exercises signing, validation, the queue and triage exactly like production traffic.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from aftersales.intake.signing import sign

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_SECRET = "dev-secret"
INTAKE_PATH = "/v1/intake/web"

DEMO_MESSAGES: tuple[dict[str, Any], ...] = (
    {
        "external_id": "demo-0001",
        "customer": {"id": "cust-1001", "name": "王小明", "phone": "13812345678", "vip_tier": "gold"},
        "order_id": "JD20261101001",
        "order_amount_fen": 129900,
        "items": [{"sku": "SKU-KETTLE-17", "name": "不锈钢电热水壶 1.7L", "batch": "B2610", "amount_fen": 129900}],
        "subject": "热水壶用了两次就不加热了",
        "text": "上周买的电热水壶，今天早上插电后指示灯亮但是完全不加热，换了插座也一样。能不能给换一个新的？",
    },
    {
        "external_id": "demo-0002",
        "customer": {"id": "cust-1002", "name": "李娜", "phone": "13998765432"},
        "order_id": "TB88230019",
        "text": "快递显示已签收，可是我根本没收到包裹，问了小区门卫也说没有，麻烦帮忙查一下物流。",
    },
    {
        "external_id": "demo-0003",
        "customer": {"id": "cust-1003", "name": "张伟"},
        "order_id": "PDD5566778899",
        "order_amount_fen": 8900,
        "items": [{"sku": "SKU-TSHIRT-L", "name": "纯棉T恤 L码", "quantity": 2, "amount_fen": 8900}],
        "text": "我申请退款已经五天了，一直显示处理中，钱什么时候能退回到我的支付宝？",
    },
    {
        "external_id": "demo-0004",
        "customer": {"id": "cust-1004", "name": "陈静", "email": "chenjing@example.com"},
        "order_id": "JD20261103077",
        "subject": "需要开增值税专用发票",
        "text": "公司采购需要开增值税专用发票，抬头和税号我已经在备注里写了，请尽快开具并发到邮箱。",
    },
    {
        "external_id": "demo-0005",
        "customer": {"id": "cust-1005", "name": "刘洋", "phone": "13700001111"},
        "order_id": "TB88230555",
        "items": [{"sku": "SKU-BOWL-SET", "name": "陶瓷碗套装 6只", "batch": "C0915"}],
        "text": "收到的陶瓷碗碎了两个，外箱也压扁了，我拍了照片，希望补发或者部分退款。",
        "attachments": [{"url": "https://example.com/demo/broken-bowls.jpg"}],
    },
    {
        "external_id": "demo-0006",
        "customer": {"id": "cust-1006", "name": "赵敏"},
        "order_id": "PDD5566770001",
        "items": [{"sku": "SKU-SNEAKER-39", "name": "跑步鞋 39码"}],
        "text": "鞋子偏小一码，穿着挤脚，想换成40码的，请问怎么寄回去？运费谁出？",
    },
    {
        "external_id": "demo-0007",
        "customer": {"id": "cust-1007", "name": "孙丽", "phone": "15011112222"},
        "order_id": "JD20261105123",
        "items": [{"sku": "SKU-MILK-24", "name": "纯牛奶 250ml×24盒", "batch": "M20261020"}],
        "text": "今天打开的牛奶有一股酸味，看了一下生产日期还没过期，孩子已经喝了一口，很担心，请尽快处理！",
    },
    {
        "external_id": "demo-0008",
        "customer": {"id": "cust-1008", "name": "周杰"},
        "order_id": "TB88231234",
        "order_amount_fen": 459900,
        "text": "我前天买的扫地机器人，今天同一个店铺降价了三百块，能不能申请价保把差价退给我？",
    },
    {
        "external_id": "demo-0009",
        "customer": {"id": "cust-1009", "name": "吴芳", "phone": "18622223333"},
        "order_id": "JD20261106088",
        "text": "下单的时候地址写错了，还没发货的话请帮我改成上海市浦东新区张江路100号，谢谢。",
    },
    {
        "external_id": "demo-0010",
        "customer": {"id": "cust-1010", "name": "郑强"},
        "order_id": "PDD5566771234",
        "text": "客服一直不回消息，打电话也没人接，问题拖了一个星期都没解决，态度太差了，我要投诉！",
    },
)


@dataclass(frozen=True)
class PostResult:
    status: int
    body: Any
    raw: bytes


def secret_from_env() -> str:
    return os.environ.get("AFTERSALES_WEBHOOK_SECRET") or DEFAULT_SECRET


def post(
    url: str, raw_body: bytes, headers: dict[str, str] | None = None, method: str = "POST", timeout: float = 10
) -> PostResult:
    """Send raw bytes (never re-serialised) and return status and parsed JSON, errors included."""
    request = urllib.request.Request(url, data=raw_body if method != "GET" else None, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", errors="replace")
    return PostResult(status, parsed, raw)


def post_signed(base_url: str, message: dict[str, Any], secret: str | None = None) -> PostResult:
    raw = json.dumps(message, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Aftersales-Signature": sign(raw, secret or secret_from_env()),
    }
    return post(base_url.rstrip("/") + INTAKE_PATH, raw, headers)


def seed(base_url: str = DEFAULT_URL, secret: str | None = None) -> list[PostResult]:
    """Post every demo message through the signed intake; returns the gateway's answers."""
    return [post_signed(base_url, message, secret) for message in DEMO_MESSAGES]
