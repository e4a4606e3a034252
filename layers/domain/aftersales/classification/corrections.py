"""Human-in-the-loop data: agent corrections and how they feed retraining.

Kept out of the hot classification path (pydantic import costs ~100 ms).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aftersales.taxonomy import Category


class LabelledExample(BaseModel):
    """One training example: the text and its gold category."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1, max_length=20_000)
    category: Category

    @field_validator("text")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.replace("\t", " ").replace("\n", " ").strip()
        if not v:
            raise ValueError("text must not be blank")
        return v


class Correction(LabelledExample):
    """An agent's fix of a predicted category (stored by the ticket service, e.g. in DynamoDB)."""

    ticket_id: str | None = None
    predicted: Category | None = None
    model_version: str | None = None
    corrected_by: str | None = None
    corrected_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def build_training_set(
    base_examples: Iterable[tuple[str, str] | LabelledExample],
    corrections: Iterable[Correction | LabelledExample],
) -> list[tuple[str, str]]:
    """Merge corrections into the base set: same text → the correction's label wins.

    Later corrections override earlier ones (sorted by ``corrected_at`` when present);
    new texts are appended. Returns ``(category, text)`` pairs ready for training.
    """
    merged: dict[str, tuple[str, str]] = {}
    for ex in base_examples:
        label, text = (ex.category.value, ex.text) if isinstance(ex, LabelledExample) else ex
        merged[_key(text)] = (str(label), text)
    ordered: Sequence[Correction | LabelledExample] = sorted(
        corrections, key=lambda c: c.corrected_at if isinstance(c, Correction) else datetime.min.replace(tzinfo=UTC)
    )
    for c in ordered:
        merged[_key(c.text)] = (c.category.value, c.text)
    return list(merged.values())


def load_corrections(path: str | Path) -> list[Correction]:
    """Read corrections from JSONL (Correction fields) or TSV (``category<TAB>text``)."""
    out: list[Correction] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("{"):
                out.append(Correction.model_validate(json.loads(line)))
                continue
            parts = line.split("\t")
            if len(parts) == 2:
                out.append(Correction(category=Category(parts[0]), text=parts[1]))
            elif len(parts) >= 3:
                out.append(Correction(ticket_id=parts[0], category=Category(parts[1]), text="\t".join(parts[2:])))
    return out
