"""Simulated 抖店 open API: ``afterSale.Detail`` and ``afterSale.operate``, md5-signed like the real one.

Details are deterministic from the after-sale id (same id, same fake buyer and items), so
tests and the demo can enrich any pushed after-sale. Every operate call is recorded with
its ``request_id`` (``GET /_sim/operations``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from aftersales.adapters.platforms.douyin import DETAIL_METHOD, OPERATE_METHOD, SUCCESS_CODE, path_for, sign
from aftersales.errors import SignatureInvalid
from local.simulator import Platform as BasePlatform
from local.simulator import SimRequest, SimResponse

_SURNAMES = "张王李赵刘陈杨黄周吴"
_PRODUCTS = [
    ("SKU-CUP-01", "陶瓷马克杯 350ml", 3900),
    ("SKU-HAIR-02", "负离子吹风机", 19900),
    ("SKU-TEE-03", "纯棉短袖T恤 L码", 5900),
    ("SKU-EAR-04", "蓝牙耳机", 12900),
]
_REASONS = [("七天无理由", "不想要了"), ("商品破损", "收到时杯子碎了"), ("质量问题", "用了两天就坏了")]


def _error(code: int, msg: str) -> SimResponse:
    return SimResponse(200, {"code": code, "msg": msg, "sub_code": "isv.invalid", "data": {}})


def fake_detail(aftersale_id: str) -> dict[str, Any]:
    digest = int(hashlib.sha256(aftersale_id.encode()).hexdigest(), 16)
    sku_code, product, price = _PRODUCTS[digest % len(_PRODUCTS)]
    reason, remark = _REASONS[(digest >> 8) % len(_REASONS)]
    tail = f"{digest % 10000:04d}"
    return {
        "process_info": {
            "after_sale_info": {
                "after_sale_id": aftersale_id,
                "after_sale_status": 6,
                "after_sale_type": 0,
                "refund_amount": price,
                "reason": reason,
                "reason_remark": remark,
            }
        },
        "order_info": {
            "shop_order_id": f"49{digest % 10**16:016d}",
            "doudian_open_id": f"1@#{digest % 10**12:012d}",
            "receiver_name": _SURNAMES[digest % len(_SURNAMES)] + "*",
            "receiver_phone": f"138****{tail}",
            "sku_order_infos": [
                {
                    "sku_order_id": f"49{(digest >> 16) % 10**16:016d}",
                    "sku_code": sku_code,
                    "product_name": product,
                    "item_num": 1,
                    "pay_amount": price,
                }
            ],
        },
    }


class Platform(BasePlatform):
    prefix = "douyin"

    def handle(self, request: SimRequest) -> SimResponse:
        if request.method != "POST" or request.path not in (path_for(DETAIL_METHOD), path_for(OPERATE_METHOD)):
            return super().handle(request)
        params = {k: v[-1] for k, v in request.query.items()}
        for required in ("app_key", "method", "timestamp", "v", "sign"):
            if not params.get(required):
                return _error(40001, f"缺少参数 {required}")
        from aftersales.adapters.credentials import find_shop

        try:
            _, creds = find_shop("douyin", "app_key", params["app_key"])
        except SignatureInvalid:
            return _error(30001, "app_key 无效")
        body = request.body.decode("utf-8")
        expected = sign(params["app_key"], creds["app_secret"], params["method"], body, params["timestamp"])
        if not hmac.compare_digest(expected, params["sign"].lower()):
            return _error(30002, "签名校验失败")
        business = request.json() or {}
        if params["method"] == DETAIL_METHOD and request.path == path_for(DETAIL_METHOD):
            aftersale_id = str(business.get("after_sale_id") or "")
            if not aftersale_id:
                return _error(40004, "after_sale_id 不能为空")
            return SimResponse(200, {"code": SUCCESS_CODE, "msg": "success", "data": fake_detail(aftersale_id)})
        if params["method"] == OPERATE_METHOD and request.path == path_for(OPERATE_METHOD):
            items = business.get("items") or []
            self.sim.record(
                "douyin",
                "afterSale.operate",
                type=business.get("type"),
                request_id=business.get("request_id"),
                aftersale_ids=[i.get("aftersale_id") for i in items if isinstance(i, dict)],
                params=business,
            )
            results = [
                {"aftersale_id": i.get("aftersale_id"), "status_code": 0, "status_msg": "操作成功"} for i in items
            ]
            return SimResponse(200, {"code": SUCCESS_CODE, "msg": "success", "data": {"items": results}})
        return _error(40002, "method 与路径不符")
