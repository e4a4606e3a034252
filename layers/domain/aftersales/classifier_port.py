"""The triage step's view of classification.

Until the trained classifier lands this is a keyword placeholder; it keeps the
Classification contract that triage depends on.
"""

from __future__ import annotations

from aftersales.taxonomy import Category
from aftersales.triage import Classification, TextClassifier

_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.REFUND, ("退款", "refund")),
    (Category.LOGISTICS, ("快递", "物流", "没收到", "delivery")),
    (Category.INVOICE, ("发票", "invoice")),
)


def _placeholder(text: str) -> Classification:
    lowered = text.lower()
    for category, words in _KEYWORDS:
        if any(w in lowered for w in words):
            return Classification(category=category, confidence=0.5, needs_review=True)
    return Classification(category=Category.OTHER, confidence=0.2, needs_review=True)


def default_classifier() -> TextClassifier:
    return _placeholder
