"""The 16 ticket categories (see docs/taxonomy.md); codes are stable identifiers."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    QUALITY_DEFECT = "quality_defect"  # 商品质量
    ITEM_DAMAGED = "item_damaged"  # 商品破损
    PACKAGING_DAMAGED = "packaging_damaged"  # 包装破损
    SIZE_MISMATCH = "size_mismatch"  # 尺码/规格不符
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item"  # 错发漏发
    LOGISTICS = "logistics"  # 物流异常
    REFUND = "refund"  # 退款问题
    RETURN_EXCHANGE = "return_exchange"  # 退换货
    REPAIR_WARRANTY = "repair_warranty"  # 维修保修
    INVOICE = "invoice"  # 发票
    PRICE_PROTECTION = "price_protection"  # 价保/优惠
    PAYMENT = "payment"  # 支付
    ORDER_CHANGE = "order_change"  # 订单修改/取消
    SERVICE_COMPLAINT = "service_complaint"  # 服务投诉
    FOOD_SAFETY = "food_safety"  # 食品安全
    OTHER = "other"  # 其他


CATEGORY_LABELS_ZH: dict[Category, str] = {
    Category.QUALITY_DEFECT: "商品质量",
    Category.ITEM_DAMAGED: "商品破损",
    Category.PACKAGING_DAMAGED: "包装破损",
    Category.SIZE_MISMATCH: "尺码/规格不符",
    Category.WRONG_OR_MISSING_ITEM: "错发漏发",
    Category.LOGISTICS: "物流异常",
    Category.REFUND: "退款问题",
    Category.RETURN_EXCHANGE: "退换货",
    Category.REPAIR_WARRANTY: "维修保修",
    Category.INVOICE: "发票",
    Category.PRICE_PROTECTION: "价保/优惠",
    Category.PAYMENT: "支付",
    Category.ORDER_CHANGE: "订单修改/取消",
    Category.SERVICE_COMPLAINT: "服务投诉",
    Category.FOOD_SAFETY: "食品安全",
    Category.OTHER: "其他",
}
