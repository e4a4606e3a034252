"""The ticket classifier: model + extraction + anger + keywords behind one call.

``classify(text)`` uses a module-level default classifier, loaded lazily on first
use from (in order) ``AFTERSALES_MODEL_DIR`` (newest approved artifact of a local
``ModelStore``) or the artifact bundled in ``classification/data/``.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from aftersales.classification import files
from aftersales.classification.extract import Extraction, anger_score, extract
from aftersales.classification.features import feature_groups
from aftersales.classification.model import LinearModel, softmax
from aftersales.classification.text import detect_language, normalize
from aftersales.taxonomy import Category

# gzip'd JSON artifact; ".bin" so the packaging rules (package-data "*.bin") ship it
BUNDLED_ARTIFACT = "model.bin"
MODEL_DIR_ENV = "AFTERSALES_MODEL_DIR"
CONFIG_ENV = "AFTERSALES_CLASSIFIER_CONFIG"

# Cue words for secondary tags: what else the customer asks for besides the main issue.
_TAG_CUES: dict[str, tuple[str, ...]] = {
    Category.REFUND.value: ("退款", "退钱", "tk", "refund", "退差价", "钱退"),
    Category.RETURN_EXCHANGE.value: ("退货", "换货", "退换", "换一个", "return", "exchange", "七天无理由"),
    Category.REPAIR_WARRANTY.value: ("维修", "保修", "返修", "repair", "warranty"),
    Category.INVOICE.value: ("发票", "fp", "invoice"),
    Category.SERVICE_COMPLAINT.value: ("投诉", "12315", "消协", "态度差", "complaint"),
    Category.LOGISTICS.value: ("物流", "快递", "kd", "没收到", "delivery"),
}


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Tunable thresholds, read from ``config.json`` so ops can change them without code."""

    review_threshold: float = 0.5
    secondary_tag_min_probability: float = 0.15
    anger_tag_threshold: float = 0.6
    keywords_top_k: int = 5

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ClassifierConfig:
        path = path or os.environ.get(CONFIG_ENV)
        try:
            if path:
                with open(path, encoding="utf-8") as fh:
                    raw = fh.read()
            else:
                raw = files.read_text("config.json", files.PACKAGE_DIR)
            data: dict[str, Any] = json.loads(raw)
        except (OSError, ValueError):
            return cls()
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class ClassificationResult:
    """Everything the ticket pipeline needs to file and route a message."""

    category: Category
    confidence: float
    alternatives: list[tuple[Category, float]]
    tags: list[str]
    needs_review: bool
    language: str
    anger: float
    keywords: list[str]
    entities: Extraction = field(default_factory=Extraction)
    model_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "confidence": self.confidence,
            "alternatives": [[c.value, p] for c, p in self.alternatives],
            "tags": list(self.tags),
            "needs_review": self.needs_review,
            "language": self.language,
            "anger": self.anger,
            "keywords": list(self.keywords),
            "entities": self.entities.to_dict(),
            "model_version": self.model_version,
        }


_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "你",
        "他",
        "她",
        "它",
        "们",
        "吗",
        "呢",
        "吧",
        "啊",
        "哦",
        "嗯",
        "在",
        "有",
        "和",
        "就",
        "都",
        "也",
        "还",
        "又",
        "很",
        "太",
        "这",
        "那",
        "个",
        "一",
        "不",
        "没",
        "给",
        "说",
        "要",
        "把",
        "被",
        "到",
        "用户",
        "询问",
        "表示",
        "反映",
        "希望",
        "想",
        "客服",
        "亲",
        "你好",
        "您好",
        "请问",
        "谢谢",
        "什么",
        "怎么",
        "可以",
        "能",
        "一下",
        "现在",
        "已经",
        "自己",
        "这个",
        "那个",
        "the",
        "a",
        "an",
        "i",
        "my",
        "to",
        "is",
        "it",
        "of",
        "and",
        "for",
        "was",
        "in",
        "on",
        "you",
        "me",
    ]
)


class Classifier:
    """A loaded model plus result assembly. Thread-safe for concurrent ``classify`` calls."""

    def __init__(self, model: LinearModel, config: ClassifierConfig | None = None) -> None:
        self.model = model
        self.config = config or ClassifierConfig.load()
        self._categories = [Category(c) for c in model.classes]
        self._other = self._categories.index(Category.OTHER) if Category.OTHER in self._categories else 0

    # -- construction ----------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes, config: ClassifierConfig | None = None) -> Classifier:
        return cls(LinearModel.from_bytes(data), config)

    @classmethod
    def from_artifact(cls, path: str | os.PathLike[str], config: ClassifierConfig | None = None) -> Classifier:
        with open(path, "rb") as fh:
            return cls.from_bytes(fh.read(), config)

    @classmethod
    def bundled(cls, config: ClassifierConfig | None = None) -> Classifier:
        data = files.read_bytes(BUNDLED_ARTIFACT)
        return cls.from_bytes(data, config)

    @classmethod
    def default(cls) -> Classifier:
        """Newest approved model of the configured store, else the bundled artifact."""
        model_dir = os.environ.get(MODEL_DIR_ENV)
        if model_dir:
            from aftersales.classification.store import LocalModelStore

            data = LocalModelStore(model_dir).latest_approved()
            if data is not None:
                return cls.from_bytes(data)
        return cls.bundled()

    @staticmethod
    def train(examples: list[tuple[str, str]], refit_full: bool = True) -> bytes:
        """Train a new model on ``(category, text)`` pairs and return artifact bytes."""
        from aftersales.classification.training import train_artifact

        return train_artifact(examples, refit_full=refit_full).to_bytes()

    @property
    def version(self) -> str:
        return self.model.version

    # -- inference -------------------------------------------------------
    def _probs(self, text: str) -> tuple[list[float], list[str]]:
        groups, tokens = feature_groups(text)
        if not tokens:
            # nothing to go on (empty, emoji, punctuation): a flat, low-confidence "other"
            k = len(self._categories)
            probs = [0.75 / (k - 1)] * k
            probs[self._other] = 0.25
            return probs, tokens
        return softmax(self.model.packed_logits(groups), self.model.temperature), tokens

    def predict(self, text: str) -> tuple[Category, float]:
        """Fast path (no extraction/keywords) used by bulk ``aftersales classify``."""
        probs, _ = self._probs(normalize(text))
        best = max(range(len(probs)), key=probs.__getitem__)
        return self._categories[best], probs[best]

    def classify(self, text: str) -> ClassificationResult:
        clean = normalize(text)
        probs, tokens = self._probs(clean)
        ranked = sorted(range(len(probs)), key=probs.__getitem__, reverse=True)
        best = ranked[0]
        category = self._categories[best]
        confidence = round(probs[best], 4)
        alternatives = [(self._categories[i], round(probs[i], 4)) for i in ranked[:3]]
        anger = anger_score(clean)
        tags = self._tags(clean, category, probs, ranked, anger)
        return ClassificationResult(
            category=category,
            confidence=confidence,
            alternatives=alternatives,
            tags=tags,
            needs_review=confidence < self.config.review_threshold,
            language=detect_language(clean),
            anger=anger,
            keywords=self.keywords(tokens),
            entities=extract(clean, normalized=True),
            model_version=self.model.version,
        )

    def _tags(self, text: str, category: Category, probs: list[float], ranked: list[int], anger: float) -> list[str]:
        tags: list[str] = []
        low = text.lower()
        for i in ranked[1:3]:
            cat = self._categories[i]
            if probs[i] >= self.config.secondary_tag_min_probability and cat is not Category.OTHER:
                tags.append(cat.value)
        for tag, cues in _TAG_CUES.items():
            if tag != category.value and tag not in tags and any(c in low for c in cues):
                tags.append(tag)
        if anger >= self.config.anger_tag_threshold:
            tags.append("angry")
        return tags

    def keywords(self, tokens: list[str]) -> list[str]:
        """TF-IDF keywords over the tokens, with the IDF table shipped in the artifact."""
        idf = self.model.idf
        if not tokens:
            return []
        default = max(idf.values()) if idf else 1.0
        tf: dict[str, int] = {}
        for t in tokens:
            # negated words (没坏 → NOT_坏) are what the customer does NOT report
            if t.startswith("NOT_") or len(t) < 2 or t in _STOP or t.isdigit():
                continue
            tf[t] = tf.get(t, 0) + 1
        scored = sorted(tf, key=lambda t: (-tf[t] * idf.get(t, default), t))
        return scored[: self.config.keywords_top_k]


_default: Classifier | None = None
_default_lock = threading.Lock()


def get_default() -> Classifier:
    """Lazily load and cache the process-wide classifier."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Classifier.default()
    return _default


def reset_default() -> None:
    """Forget the cached classifier (tests, or after a new model was approved)."""
    global _default
    with _default_lock:
        _default = None


def classify(text: str) -> ClassificationResult:
    """Classify one customer message with the default classifier."""
    return get_default().classify(text)
