"""Cheap regex extraction of ticket entities, plus anger scoring.

Agents need the order id, phone, amount, size/model and date next to the ticket;
regexes are predictable and fast (well under 0.1 ms for a typical message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from aftersales.classification.text import normalize

_PHONE_RE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\d.])")
_ORDER_KW_RE = re.compile(
    r"(?:订单号|订单编号|订单|单号|运单号|快递单号|order\s*(?:no\.?|number|id|#)?|#)\s*[:：#]?\s*"
    r"([A-Za-z]{0,4}\d[\dA-Za-z-]{5,29})",
    re.IGNORECASE,
)
_LONG_DIGITS_RE = re.compile(r"(?<![\d.])(\d{10,20})(?![\d.])")
_MASKED_ORDER_RE = re.compile(r"\[订单[^\]]{0,8}\]")
_AMOUNT_RE = re.compile(
    r"(?:[¥￥]|RMB\s?|rmb\s?)\s*(\d{1,9}(?:\.\d{1,2})?)"
    r"|(\d{1,9}(?:\.\d{1,2})?)\s*(?:元|块钱|块|rmb|RMB|yuan)",
)
_SIZE_RE = re.compile(r"(?<![A-Za-z0-9])((?:[2-5]?X{0,3}[SML]|X{1,3}L|[2-5]XL|\d{2,3}(?:\.5)?)\s?码)")
_MODEL_KW_RE = re.compile(r"(?:型号|款号|货号|规格|sku|SKU|model)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9-]{1,20})")
_BRAND_MODEL_RE = re.compile(
    r"(?<![A-Za-z])((?:(?:iPhone|iPad|MacBook|AirPods)\s?\d{0,3}"
    r"|(?:Mate|Redmi|Galaxy|Pixel|Nova|Xiaomi|OPPO|vivo|Find|Reno)\s?[A-Z]?\d{1,3})\s?(?:Pro\s?Max|Pro|Max|Plus|Ultra|mini|Air|SE|X)?)(?![A-Za-z])",
    re.IGNORECASE,
)
_ALNUM_MODEL_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,5}-?\d{2,6}[A-Za-z]{0,3})(?![A-Za-z0-9])")
_DATE_ISO_RE = re.compile(r"(?<!\d)(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?!\d)")
_DATE_MD_RE = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_DATE_REL_RE = re.compile(r"(大前天|前天|昨天|今天|明天|后天|上周[一二三四五六日天]?|上个月|这周|本周|yesterday|today)")


@dataclass(frozen=True, slots=True)
class Extraction:
    """Entities found in a ticket; every field is a plain list so it serialises trivially."""

    order_ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    amounts: list[Decimal] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[str]]:
        """JSON-friendly view (amounts as strings, phones masked)."""
        return {
            "order_ids": list(self.order_ids),
            "phones": [mask_phone(p) for p in self.phones],
            "amounts": [str(a) for a in self.amounts],
            "skus": list(self.skus),
            "dates": list(self.dates),
        }


def mask_phone(text: str) -> str:
    """Mask every mainland mobile number in ``text`` as ``138****5678`` (for logs)."""
    return _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def extract(text: str, *, normalized: bool = False) -> Extraction:
    """Pull order ids, phones, amounts, size/model mentions and dates out of ``text``."""
    s = text if normalized else normalize(text)
    phones = _unique([m.group(1) + m.group(2) + m.group(3) for m in _PHONE_RE.finditer(s)])
    orders = [m.group(1) for m in _ORDER_KW_RE.finditer(s)]
    orders += [m.group(1) for m in _LONG_DIGITS_RE.finditer(s)]
    orders += _MASKED_ORDER_RE.findall(s)
    orders = _unique([o for o in orders if o not in phones and not _PHONE_RE.fullmatch(o)])
    amounts: list[Decimal] = []
    for m in _AMOUNT_RE.finditer(s):
        raw = m.group(1) or m.group(2)
        try:
            amounts.append(Decimal(raw))
        except InvalidOperation:  # pragma: no cover - regex guarantees digits
            continue
    skus = [m.group(1).replace(" ", "") for m in _SIZE_RE.finditer(s)]
    skus += [m.group(1) for m in _MODEL_KW_RE.finditer(s)]
    skus += [m.group(1).strip() for m in _BRAND_MODEL_RE.finditer(s)]
    skus += [m.group(1) for m in _ALNUM_MODEL_RE.finditer(s)]
    skus = _unique([k for k in skus if k and k not in orders])
    dates = [f"{int(y):04d}-{int(mo):02d}-{int(d):02d}" for y, mo, d in _DATE_ISO_RE.findall(s)]
    dates += [f"{int(mo)}月{int(d)}日" for mo, d in _DATE_MD_RE.findall(s)]
    dates += _DATE_REL_RE.findall(s)
    return Extraction(
        order_ids=orders,
        phones=phones,
        amounts=list(dict.fromkeys(amounts)),
        skus=skus,
        dates=_unique(dates),
    )


# Words that signal an upset customer; weights are rough log-odds style bumps.
_ANGER_TERMS: dict[str, float] = {
    "投诉": 0.9,
    "差评": 0.7,
    "垃圾": 0.9,
    "气死": 1.0,
    "12315": 1.2,
    "消协": 1.0,
    "工商": 0.8,
    "骗子": 1.1,
    "骗人": 0.9,
    "坑人": 0.8,
    "坑爹": 0.8,
    "黑店": 1.1,
    "恶心": 0.7,
    "无语": 0.5,
    "太差": 0.6,
    "极差": 0.8,
    "最差": 0.6,
    "再也不": 0.6,
    "曝光": 0.9,
    "起诉": 1.0,
    "律师": 0.7,
    "欺诈": 1.0,
    "忽悠": 0.6,
    "什么玩意": 0.9,
    "滚": 0.6,
    "妈的": 1.0,
    "tmd": 1.0,
    "shit": 1.0,
    "扯皮": 0.6,
    "敷衍": 0.6,
    "态度恶劣": 0.9,
    "失望": 0.4,
    "生气": 0.7,
    "愤怒": 1.0,
    "火大": 0.8,
    "退钱": 0.5,
    "赔偿": 0.4,
    "马上": 0.2,
    "立刻": 0.3,
    "催了": 0.4,
    "到底": 0.3,
    "凭什么": 0.7,
    "scam": 1.0,
    "terrible": 0.8,
    "worst": 0.8,
    "angry": 0.8,
    "furious": 1.0,
    "ridiculous": 0.7,
    "unacceptable": 0.8,
    "disgusting": 0.9,
    "awful": 0.7,
    "complaint": 0.5,
    "fraud": 1.0,
}
_ANGER_RE = re.compile("|".join(sorted(map(re.escape, _ANGER_TERMS), key=len, reverse=True)), re.IGNORECASE)
_BANG_RE = re.compile(r"[!！]")
_QQ_RE = re.compile(r"[?？]{2,}")


def anger_score(text: str) -> float:
    """Return 0..1: how upset the customer sounds (lexicon + punctuation)."""
    if not text:
        return 0.0
    raw = 0.0
    for m in _ANGER_RE.finditer(text[:2000]):
        raw += _ANGER_TERMS.get(m.group(0).lower(), 0.5)
    raw += min(len(_BANG_RE.findall(text)), 6) * 0.15
    raw += min(len(_QQ_RE.findall(text)), 3) * 0.2
    caps = re.findall(r"\b[A-Z]{4,}\b", text)
    raw += min(len(caps), 3) * 0.2
    if raw <= 0:
        return 0.0
    # Saturating map: one strong cue ~0.5, several ~0.9.
    return round(1.0 - 2.0 ** (-raw * 1.1), 4)
