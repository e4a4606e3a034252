"""After-sales ticket classification (jieba + pure-Python linear model).

Import is cheap: heavy parts (jieba, the model artifact, pydantic models) load on
first use so a Lambda cold start stays well under 300 ms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aftersales.classification.classifier import (
    ClassificationResult,
    Classifier,
    ClassifierConfig,
    classify,
    get_default,
    reset_default,
)
from aftersales.classification.extract import Extraction, anger_score, extract, mask_phone
from aftersales.classification.text import detect_language

if TYPE_CHECKING:
    from aftersales.classification.corrections import Correction, LabelledExample, build_training_set
    from aftersales.classification.store import LocalModelStore, ModelStore

__all__ = [
    "ClassificationResult",
    "Classifier",
    "ClassifierConfig",
    "Correction",
    "Extraction",
    "LabelledExample",
    "LocalModelStore",
    "ModelStore",
    "anger_score",
    "build_training_set",
    "classify",
    "detect_language",
    "extract",
    "get_default",
    "mask_phone",
    "reset_default",
]

_LAZY = {
    "Correction": "aftersales.classification.corrections",
    "LabelledExample": "aftersales.classification.corrections",
    "build_training_set": "aftersales.classification.corrections",
    "LocalModelStore": "aftersales.classification.store",
    "ModelStore": "aftersales.classification.store",
}


def __getattr__(name: str) -> Any:
    """Load pydantic-based and storage helpers only when asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
