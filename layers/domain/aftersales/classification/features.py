"""Feature extraction shared by training and inference (must stay in lock-step).

Features: jieba tokens (with ``NOT_`` negation marking and contrast weighting),
tokens of the first sentence (the customer's main request usually comes first),
word bigrams, character 1–3-grams of the text with negated spans blanked out, and
shared polarity buckets of the words found in ``data/word_polarity.tsv``.
Bump ``FEATURE_VERSION`` whenever the output changes: artifacts record it.
"""

from __future__ import annotations

import re

from aftersales.classification import files
from aftersales.classification.segment import cut, mark

FEATURE_VERSION = "f6"
POLARITY_NAME = "word_polarity.tsv"

_LONG_DIGITS_RE = re.compile(r"\d{6,}")
_MASK_RE = re.compile(r"\[[^\[\]]{1,10}\]")
_SENT_END = frozenset("。!！?？\n")
_PUNCT = frozenset("，,。.!！?？;；、:：~～…()（）【】[]《》<>\"'“”‘’ -_/\\|*#@&%$^+=")

#: Relative weights of the feature families (tuned once; part of the artifact contract).
CHAR_WEIGHT = 1.0
FIRST_WEIGHT = 1.5
BIGRAM_WEIGHT = 0.5

_polarity: dict[str, int] | None = None


def polarity_lexicon() -> dict[str, int]:
    """Word -> polarity bucket (+2/+1 complaint-leaning, -1/-2 praise-leaning), loaded once.

    Why: real reviews use far more ways of saying "bad" (差劲, 坑, 垃圾, 翻车…) than any
    hand-written training set; mapping each word to a shared polarity feature lets the
    model generalise from the words it has seen to the ones it has not.
    """
    global _polarity
    if _polarity is None:
        lex: dict[str, int] = {}
        for line in files.read_text(POLARITY_NAME).splitlines():
            word, _, value = line.partition("\t")
            if word and value and not word.startswith("#"):
                x = float(value)
                lex[word] = (2 if x >= 2 else 1) if x > 0 else (-2 if x <= -2 else -1)
        _polarity = lex
    return _polarity


def prepare(text: str) -> str:
    """Lower-case, collapse long digit runs and mask tokens; input is already normalised."""
    s = _LONG_DIGITS_RE.sub("0", text.lower())
    if "[" in s:
        s = _MASK_RE.sub("0", s)
    return s


def feature_groups(text: str) -> tuple[dict[float, list[str]], list[str]]:
    """Return ``({weight: feature names}, content_tokens)`` for a normalised text.

    Each name appears once, under its weight. Serving sums model rows per weight
    group (see ``LinearModel.packed_logits``), so the groups are built here directly
    instead of regrouping a flat dict for every ticket.
    """
    s = prepare(text)
    words: dict[str, float] = {}
    firsts: dict[str, None] = {}
    bigrams: dict[str, None] = {}
    tokens: list[str] = []
    pieces: list[str] = []
    polar: dict[str, None] = {}
    balance = 0
    lex = polarity_lexicon()
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
        pol = lex.get(tok)
        if pol:
            if negated:
                pol = -pol
            polar["p:" + str(pol)] = None
            balance += pol
        key = "w:" + name
        if words.get(key, 0.0) < weight:
            words[key] = weight
        if first:
            firsts["f:" + name] = None
        if prev:
            bigrams["b:" + prev + "_" + name] = None
        prev = name
        pieces.append("¬" if negated else tok)
    grams: list[str] = []
    for chunk in "".join(pieces).split():
        n = len(chunk)
        grams += ["c:" + ch for ch in chunk]
        grams += ["c:" + chunk[i : i + 2] for i in range(n - 1)]
        grams += ["c:" + chunk[i : i + 3] for i in range(n - 2)]
    groups: dict[float, list[str]] = {1.0: []}
    groups.setdefault(CHAR_WEIGHT, []).extend(dict.fromkeys(grams))
    for key, weight in words.items():
        groups.setdefault(weight, []).append(key)
    if firsts:
        groups.setdefault(FIRST_WEIGHT, []).extend(firsts)
    if bigrams:
        groups.setdefault(BIGRAM_WEIGHT, []).extend(bigrams)
    if polar:
        groups[1.0].extend(polar)
        groups[1.0].append("s:" + str(max(-3, min(3, balance))))
    if not tokens:
        groups[1.0].append("m:empty")
    elif text.startswith(("用户", "商家", "顾客", "客户")):
        groups[1.0].append("m:summary")
    return {w: names for w, names in groups.items() if names}, tokens


def featurize(text: str) -> tuple[dict[str, float], list[str]]:
    """Return ``(features, content_tokens)``: the groups of ``feature_groups`` as one dict."""
    groups, tokens = feature_groups(text)
    return {name: weight for weight, names in groups.items() for name in names}, tokens
