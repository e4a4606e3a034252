"""Entity extraction, phone masking, anger and text normalisation."""

from __future__ import annotations

from decimal import Decimal

from aftersales.classification.extract import anger_score, extract, mask_phone
from aftersales.classification.text import detect_language, normalize


def test_phones_and_mask() -> None:
    e = extract("我电话是 138-1234-5678，备用+86 13912345678")
    assert e.phones == ["13812345678", "13912345678"]
    assert mask_phone("打我 13812345678") == "打我 138****5678"


def test_order_ids() -> None:
    e = extract("订单号：DD20261101001 还有一个 284756392017")
    assert "DD20261101001" in e.order_ids
    assert "284756392017" in e.order_ids
    assert extract("[订单x] 没到").order_ids == ["[订单x]"]


def test_phone_is_not_an_order() -> None:
    e = extract("13812345678")
    assert e.order_ids == []


def test_amounts() -> None:
    e = extract("退我12.5元，另外运费¥8，还差20块")
    assert e.amounts == [Decimal("12.5"), Decimal("8"), Decimal("20")]


def test_skus() -> None:
    e = extract("买的XL码，型号A123，还有我的iPhone 15 Pro")
    assert "XL码" in e.skus
    assert "A123" in e.skus
    assert any(s.startswith("iPhone 15") for s in e.skus)


def test_dates() -> None:
    e = extract("2026-11-01下单，11月3日到的，昨天又坏了")
    assert e.dates == ["2026-11-01", "11月3日", "昨天"]


def test_anger_range() -> None:
    assert anger_score("") == 0.0
    assert anger_score("谢谢") == 0.0
    assert 0.5 < anger_score("差评！垃圾！") <= 1.0


def test_normalize() -> None:
    assert normalize("<b>ＸＬ码</b>\x00 太小") == "XL码 太小"
    assert len(normalize("字" * 100_000)) == 2000
    assert normalize(None) == ""


def test_detect_language() -> None:
    assert detect_language("") == "unknown"
    assert detect_language("🙂") == "unknown"
    assert detect_language("hello there") == "en"
    assert detect_language("你好") == "zh"
