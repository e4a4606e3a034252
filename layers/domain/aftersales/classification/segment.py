"""jieba segmentation with a shipped, trimmed dictionary and negation/contrast marking.

Why a custom tokenizer: ``jieba.initialize()`` on the stock 350k-word dictionary
costs ~1 s per cold Lambda; we ship a prebuilt prefix-dict cache of the ~67k most
frequent words plus the e-commerce user dictionary and hand it to a private
``jieba.Tokenizer``, which loads in ~25 ms. The global ``jieba.dt`` is pointed at
the same tokenizer so ``jieba.analyse`` and other callers share it.
"""

from __future__ import annotations

import marshal
import math
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

from aftersales.classification import files

CACHE_NAME = "jieba.cache"
USER_DICT_NAME = "user_dict.txt"
#: Words of the stock dictionary kept in the trimmed one (frequency threshold).
MIN_BASE_FREQ = 30

NEGATORS = frozenset(
    {
        "没",
        "没有",
        "不",
        "不是",
        "未",
        "无",
        "别",
        "并没有",
        "没什么",
        "不会",
        "并不",
        "毫无",
        "并非",
        "不要",
        "非",
        # softened negation, common in mild reviews (不怎么耐用, 不算新鲜, 不够甜)
        "不怎么",
        "不算",
        "不够",
        "不太",
        "不大",
        "没那么",
        "不咋",
    }
)
#: Degree words and particles inside a negation scope: marked, but they do not use up
#: the scope (没有想象的好 → NOT_想象 NOT_的 NOT_好).
SCOPE_TRANSPARENT = frozenset({"的", "得", "地", "很", "太", "那么", "这么", "怎么", "是", "特别", "非常", "十分"})
CONTRAST = frozenset({"但", "但是", "可是", "就是", "不过", "然而", "只是", "结果", "却", "可", "but", "however"})
#: Clause boundaries stop negation scope.
BOUNDARY_RE = re.compile(r"[，,。.!！?？;；、\n~～…]")
_BOUNDARY_CHARS = frozenset("，,。.!！?？;；、\n~～… ")

_lock = threading.Lock()
_tokenizer: Any = None


def _import_jieba() -> Any:
    """Import jieba without pkg_resources (≈90 ms) and with its HMM tables deferred.

    ``jieba.finalseg`` (the HMM for unknown words, ≈30 ms of tables) is imported by
    jieba's ``__init__`` but only used by ``cut(HMM=True)``; we never cut with the HMM,
    so a placeholder stands in for it and imports the real module on first use.
    """
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        _defer_import("jieba.finalseg")
        import jieba
    finally:
        if blocked and sys.modules.get("pkg_resources", 0) is None:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(60)
    return jieba


def _defer_import(name: str) -> None:
    """Register a placeholder module for ``name`` that imports the real one on first attribute use.

    (``importlib.util.LazyLoader`` cannot do this: the import system reads the module's
    ``__spec__`` when the parent does ``from . import child``, which triggers its load.)
    """
    import importlib
    import importlib.machinery
    import importlib.util
    import types

    parent, _, _ = name.rpartition(".")
    parent_spec = importlib.util.find_spec(parent)
    if name in sys.modules or parent_spec is None or not parent_spec.submodule_search_locations:
        return
    spec = importlib.machinery.PathFinder.find_spec(name, list(parent_spec.submodule_search_locations))
    if spec is None:
        return
    placeholder = types.ModuleType(name)
    placeholder.__spec__ = spec

    def load(attr: str) -> Any:
        if sys.modules.get(name) is placeholder:
            del sys.modules[name]
        real = importlib.import_module(name)
        vars(placeholder).pop("__getattr__", None)
        vars(placeholder).update(vars(real))
        return getattr(real, attr)

    placeholder.__getattr__ = load  # type: ignore[method-assign]
    sys.modules[name] = placeholder


class _LogProb(dict[str, float]):
    """Word -> jieba's route score ``log(freq or 1) - log(total)``, computed once per word."""

    __slots__ = ("freq", "logtotal")

    def __init__(self, freq: dict[str, int], total: int) -> None:
        super().__init__()
        self.freq = freq
        self.logtotal = math.log(total)

    def __missing__(self, word: str) -> float:
        self[word] = score = math.log(self.freq.get(word) or 1) - self.logtotal
        return score


_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _tokenizer_class(jieba: Any) -> Any:
    """``jieba.Tokenizer`` whose precise, no-HMM block cut is one fused loop.

    jieba builds the word DAG, then walks it again for the best route calling ``log``
    for every edge, then a third time to emit words. Here the route is computed
    right-to-left while the DAG is probed (one dictionary probe per prefix) from
    cached log-probabilities: the same expression jieba evaluates and the same
    tie-break (larger end wins), so the same words (a test compares with stock jieba).
    It is most of ``cut``'s time. The override relies on jieba's private method name;
    if that ever changes, jieba's own implementation simply runs.
    """

    class Tokenizer(jieba.Tokenizer):
        _logprob: _LogProb | None = None

        def __cut_DAG_NO_HMM(self, sentence: str) -> Iterator[str]:
            logprob = self._logprob
            if logprob is None:
                logprob = self._logprob = _LogProb(self.FREQ, self.total)
            get = self.FREQ.get
            n = len(sentence)
            score = [0.0] * (n + 1)
            end = list(range(n + 1))
            for k in range(n - 1, -1, -1):
                best = -math.inf
                best_end = k
                found = False
                i = k
                frag = sentence[k]
                while True:
                    f = get(frag)
                    if f is None:
                        break
                    if f:
                        s = logprob[frag] + score[i + 1]
                        if s >= best:
                            best, best_end, found = s, i, True
                    i += 1
                    if i >= n:
                        break
                    frag = sentence[k : i + 1]
                if not found:
                    best = logprob[sentence[k]] + score[k + 1]
                score[k] = best
                end[k] = best_end
            x = 0
            buf = ""
            while x < n:
                y = end[x] + 1
                word = sentence[x:y]
                if y - x == 1 and word in _ASCII_ALNUM:
                    buf += word
                else:
                    if buf:
                        yield buf
                        buf = ""
                    yield word
                x = y
            if buf:
                yield buf

        def add_word(self, *args: Any, **kwargs: Any) -> None:
            super().add_word(*args, **kwargs)
            self._logprob = None  # frequencies and the total changed

    return Tokenizer


def build_prefix_dict(min_freq: int = MIN_BASE_FREQ) -> tuple[dict[str, int], int]:
    """Build the trimmed prefix dictionary (stock words ≥ ``min_freq`` + user dictionary)."""
    jieba = _import_jieba()
    import io
    import os

    lines: list[str] = []
    stock = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(stock, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2 and int(parts[1]) >= min_freq:
                lines.append(f"{parts[0]} {parts[1]}")
    user = files.read_text(USER_DICT_NAME)
    for line in user.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            lines.append(f"{parts[0]} {parts[1]}")
    tk = jieba.Tokenizer()
    freq, total = tk.gen_pfdict(io.BytesIO("\n".join(lines).encode("utf-8")))
    return freq, total


def write_cache(path: str, min_freq: int = MIN_BASE_FREQ) -> None:
    """Regenerate the shipped cache (run after editing ``user_dict.txt``)."""
    freq, total = build_prefix_dict(min_freq)
    with open(path, "wb") as fh:
        marshal.dump((freq, total), fh)


def get_tokenizer() -> Any:
    """Return the shared, initialised jieba tokenizer (lazy, thread-safe)."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is not None:
            return _tokenizer
        jieba = _import_jieba()
        tk = _tokenizer_class(jieba)()
        try:
            data = files.read_bytes(CACHE_NAME)
            tk.FREQ, tk.total = marshal.loads(data)
        except Exception:  # corrupt/missing cache or marshal version change: rebuild (slow)
            tk.FREQ, tk.total = build_prefix_dict()
        tk.initialized = True
        jieba.dt = tk
        _tokenizer = tk
        return tk


def cut(text: str) -> list[str]:
    """Segment ``text`` (precise mode, no HMM: unknown words fall back to chars/n-grams)."""
    return [t for t in get_tokenizer().cut(text, HMM=False) if t.strip()]


def mark(tokens: list[str]) -> Iterator[tuple[str, float, bool]]:
    """Yield ``(token, weight, negated)`` applying negation scope and contrast emphasis.

    Negation: up to two content tokens after a negator in the same clause become
    ``NOT_<tok>`` (没坏 → NOT_坏, 不是尺码问题 → NOT_尺码 NOT_问题); degree words and
    particles in between are marked without counting.
    Contrast: tokens after 但/但是/可是/就是… weigh 2x while earlier ones drop to
    0.7 — the clause after "but" usually carries the customer's point.
    """
    neg_left = 0
    contrast = False
    for tok in tokens:
        if tok in _BOUNDARY_CHARS:  # every BOUNDARY_RE character, plus space
            neg_left = 0
            yield tok, 0.0, False
            continue
        low = tok.lower()
        if low in CONTRAST:
            contrast = True
            neg_left = 0
            yield low, 1.0, False
            continue
        if low in NEGATORS:
            neg_left = 2
            yield low, 1.0, False
            continue
        weight = 2.0 if contrast else 1.0
        if neg_left > 0:
            if low not in SCOPE_TRANSPARENT:
                neg_left -= 1
            yield low, weight, True
        else:
            yield low, weight, False
