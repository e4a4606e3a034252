"""Text normalisation shared by features, extraction and language detection.

Everything here is defensive: tickets arrive from chat widgets, e-mail and review
scrapes, so HTML, control characters, full-width ASCII and megabytes of pasted
text must all come out as a short, clean string.
"""

from __future__ import annotations

import html
import re

#: Only the head of a ticket is analysed; customers state the problem early and
#: pathological inputs (100 KB pastes) must stay O(1) in cost.
MAX_ANALYSED_CHARS = 2000

_TAG_RE = re.compile(r"<[^<>]{0,500}>")
_SCRIPT_RE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")
_SPACE_RE = re.compile(r"[ \t\r\n\u3000\xa0]+")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]{2,}")

# Full-width ASCII (Ａ-Ｚ, ０-９, ！ …) to half-width, so "ＸＬ码" == "XL码".
_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def normalize(text: object, limit: int = MAX_ANALYSED_CHARS) -> str:
    """Return a cleaned, truncated copy of ``text`` (never raises)."""
    if text is None:
        return ""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:
            return ""
    # Cut early (with slack for tags) so regexes below never see huge inputs.
    s = text[: limit * 4]
    if "<" in s:
        s = _SCRIPT_RE.sub(" ", s)
        s = _TAG_RE.sub(" ", s)
    if "&" in s:
        s = html.unescape(s)
    s = s.translate(_FULLWIDTH)
    s = _CTRL_RE.sub(" ", s)
    s = _SPACE_RE.sub(" ", s).strip()
    return s[:limit]


def detect_language(text: str) -> str:
    """Classify the script mix as ``zh``, ``en``, ``mixed`` or ``unknown``.

    Han characters vs. Latin words; a few English tokens (iPhone, XL) inside a
    Chinese sentence still count as ``zh``.
    """
    han = len(_HAN_RE.findall(text))
    latin_words = _LATIN_WORD_RE.findall(text)
    if han == 0 and not latin_words:
        return "unknown"
    if han == 0:
        return "en"
    if not latin_words:
        return "zh"
    # An English word carries about as much as 1.5 Han characters.
    weight = 1.5 * len(latin_words)
    share = weight / (weight + han)
    if share < 0.25:
        return "zh"
    if share > 0.85:
        return "en"
    return "mixed"
