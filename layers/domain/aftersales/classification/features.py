"""Feature extraction shared by training and inference (must stay in lock-step).

Features: jieba tokens (with ``NOT_`` negation marking and contrast weighting),
tokens of the first sentence (the customer's main request usually comes first),
word bigrams and character 1–3-grams of the text with negated spans blanked out.
Bump ``FEATURE_VERSION`` whenever the output changes: artifacts record it.
"""

from __future__ import annotations

import re

from aftersales.classification.segment import cut, mark

FEATURE_VERSION = "f4"

_LONG_DIGITS_RE = re.compile(r"\d{6,}")
_MASK_RE = re.compile(r"\[[^\[\]]{1,10}\]")
_SENT_END = frozenset("。!！?？\n")
_PUNCT = frozenset("，,。.!！?？;；、:：~～…()（）【】[]《》<>\"'“”‘’ -_/\\|*#@&%$^+=")

#: Relative weights of the feature families (tuned once; part of the artifact contract).
CHAR_WEIGHT = 1.0
FIRST_WEIGHT = 1.5
BIGRAM_WEIGHT = 0.5


def prepare(text: str) -> str:
    """Lower-case, collapse long digit runs and mask tokens; input is already normalised."""
    s = _LONG_DIGITS_RE.sub("0", text.lower())
    if "[" in s:
        s = _MASK_RE.sub("0", s)
    return s


def featurize(text: str) -> tuple[dict[str, float], list[str]]:
    """Return ``(features, content_tokens)`` for a normalised text."""
    s = prepare(text)
    feats: dict[str, float] = {}
    tokens: list[str] = []
    pieces: list[str] = []
    first = True
    prev = ""
    for tok, weight, negated in mark(cut(s)):
        if weight == 0.0 or tok in _PUNCT or not (tok.isalnum() or any(ch.isalnum() for ch in tok)):
            pieces.append(" ")
            prev = ""
            if first and tok in _SENT_END and tokens:
                first = False
            continue
        name = "NOT_" + tok if negated else tok
        tokens.append(name)
        key = "w:" + name
        if feats.get(key, 0.0) < weight:
            feats[key] = weight
        if first:
            feats["f:" + name] = FIRST_WEIGHT
        if prev:
            feats["b:" + prev + "_" + name] = BIGRAM_WEIGHT
        prev = name
        pieces.append("¬" if negated else tok)
    grams: list[str] = []
    for chunk in "".join(pieces).split():
        n = len(chunk)
        grams += ["c:" + ch for ch in chunk]
        grams += ["c:" + chunk[i : i + 2] for i in range(n - 1)]
        grams += ["c:" + chunk[i : i + 3] for i in range(n - 2)]
    feats.update(dict.fromkeys(grams, CHAR_WEIGHT))
    if not tokens:
        feats["m:empty"] = 1.0
    elif text.startswith(("用户", "商家", "顾客", "客户")):
        feats["m:summary"] = 1.0
    return feats, tokens
