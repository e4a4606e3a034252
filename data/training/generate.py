"""Deterministic generator for ``data/training/train.tsv`` (``category<TAB>text``).

Combines the phrase banks in ``phrases.py`` with greetings, context, follow-up
requests and realistic noise (typos, pinyin abbreviations, missing punctuation)
in three styles seen in after-sales work: live chat requests, customer-service
summaries ("用户询问…") and negative product reviews, plus English cross-border
messages. Hand-written free-form examples live in ``handwritten.tsv``.

Run: ``python data/training/generate.py`` (seeded; output is committed).
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phrases import BANK, EN_DUR, EN_FOOD, EN_PREFIX, EN_PRODUCTS, EN_SUFFIX
from phrases_more import MORE
from vocab import (
    ASK,
    DAYS,
    FRAGILE,
    GREET,
    PRODUCTS,
    SAY,
    SUMMARY_NEUTRAL,
    SUMMARY_SUBJ,
    TAIL,
    TIME,
    WANT,
)

SEED = 20261101
OUT = Path(__file__).resolve().parent / "train.tsv"

# examples per style for each category (roughly follows how often each shows up)
COUNTS: dict[str, tuple[int, int, int, int]] = {
    #                      chat summary review en
    "quality_defect": (260, 120, 300, 25),
    "item_damaged": (200, 90, 150, 20),
    "packaging_damaged": (190, 80, 130, 15),
    "size_mismatch": (190, 90, 130, 15),
    "wrong_or_missing_item": (200, 110, 140, 20),
    "logistics": (260, 190, 140, 25),
    "refund": (200, 130, 50, 20),
    "return_exchange": (230, 170, 50, 20),
    "repair_warranty": (200, 140, 50, 15),
    "invoice": (200, 170, 25, 15),
    "price_protection": (200, 150, 110, 15),
    "payment": (180, 110, 20, 15),
    "order_change": (230, 190, 20, 15),
    "service_complaint": (190, 110, 120, 15),
    "food_safety": (180, 100, 150, 15),
    "other": (260, 200, 200, 20),
}

SLOTS: dict[str, list[str]] = {
    "p": [p for ps in PRODUCTS.values() for p in ps],
    "pc": PRODUCTS["clothes"] + PRODUCTS["shoes"],
    "ps": PRODUCTS["shoes"],
    "pe": PRODUCTS["electronics"] + PRODUCTS["appliances"],
    "pa": PRODUCTS["appliances"],
    "pf": PRODUCTS["food"],
    "pr": PRODUCTS["fresh"],
    "pk": PRODUCTS["cosmetics"],
    "pb": PRODUCTS["books"],
    "pg": FRAGILE,
    "t": TIME,
    "d": DAYS,
    "n": ["两", "三", "1", "2", "3", "5"],
    "m": ["20块", "50元", "100块", "¥35", "12.5元", "两百", "三十多块", "80元"],
    "e": EN_PRODUCTS,
    "ef": EN_FOOD,
    "ed": EN_DUR,
}
_SLOT_RE = re.compile(r"\{(\w+)\}")

# requests that may follow a complaint without changing what the ticket is about
FOLLOW: dict[str, list[str]] = {
    "quality_defect": ["怎么处理", "给个说法", "你们看怎么办", "这质量也太差了", "是不是次品", "能换个好的吗"],
    "item_damaged": ["能补发一个吗", "怎么处理", "照片已经拍了", "要怎么赔", "给我换个新的", "我要退款"],
    "packaging_damaged": ["影响二次销售吗", "能换个盒子吗", "是送人的 很尴尬", "下次注意点", "拍照了"],
    "size_mismatch": ["能换吗", "怎么换码", "运费谁出", "换个合适的", "帮我换一下"],
    "wrong_or_missing_item": ["赶紧补发", "怎么处理", "给我补一个", "要不要寄回去", "什么时候补发"],
    "logistics": ["帮我催一下", "急用", "到底什么时候到", "帮忙查一下", "等着用呢"],
    "refund": ["帮我查一下", "什么时候能到账", "急用钱", "给个准话"],
    "return_exchange": ["运费谁出", "怎么操作", "帮我弄一下", "要填什么"],
    "repair_warranty": ["要多久", "收费吗", "怎么联系售后", "能上门吗"],
    "invoice": ["公司报销要用", "急着报销", "帮我重新开一张", "发我邮箱"],
    "price_protection": ["差价能退吗", "怎么补偿", "太坑了", "帮我处理一下"],
    "payment": ["钱去哪了", "帮我查一下", "怎么办", "急"],
    "order_change": ["还没发货", "谢谢", "麻烦了", "急"],
    "service_complaint": ["什么态度", "太气人了", "差评", "我要投诉"],
    "food_safety": ["还敢卖吗", "要求赔偿", "太恶心了", "已经拍照了", "我要投诉"],
    "other": ["", "谢谢", "麻烦了"],
}

CONTEXT = [
    "我{t}买的{p}，",
    "{t}下的单，",
    "订单号0，",
    "我买的{p}，",
    "{t}收到的，",
    "上次买的{p}，",
    "刚收到货，",
    "我家{p}，",
    "给老人买的{p}，",
    "帮朋友买的，",
    "买了{n}个{p}，",
    "[订单x] ",
]
REVIEW_PRAISE = [
    "物流很快，",
    "价格还可以，",
    "外观挺好看的，",
    "客服态度还行，",
    "包装挺好，",
    "第一次买，",
    "看评价买的，",
    "买来送人的，",
    "老顾客了，",
    "京东自营的，",
]
REVIEW_CONTRAST = ["但是", "就是", "可是", "不过", ""]
REVIEW_END = ["", "", "", "差评", "不推荐", "失望", "！！！", "。", "，再也不买了", "，不会回购", "，给个差评"]

TYPOS = [
    ("的", "滴"),
    ("怎么", "咋"),
    ("什么", "啥"),
    ("没有", "木有"),
    ("退款", "tk"),
    ("发票", "fp"),
    ("快递", "kd"),
    ("知道", "造"),
    ("这样", "酱"),
    ("你们", "你门"),
    ("客服", "kf"),
    ("谢谢", "xx"),
    ("东西", "东东"),
    ("不是", "不4"),
    ("是不是", "是8是"),
    ("物流", "wl"),
    ("售后", "sh"),
]

VERB_PREFIXES = (
    "询问",
    "咨询",
    "反映",
    "反应",
    "表示",
    "希望",
    "想要",
    "要求",
    "申请",
    "想",
    "发现",
    "因",
    "催促",
    "投诉",
    "对",
    "预约",
    "已",
    "需要",
    "问",
)


for _cat, _styles in MORE.items():
    for _style, _items in _styles.items():
        BANK[_cat][_style] = BANK[_cat][_style] + _items


def fill(rng: random.Random, template: str) -> str:
    return _SLOT_RE.sub(lambda m: rng.choice(SLOTS[m.group(1)]), template)


def noisy(rng: random.Random, text: str) -> str:
    """Apply light, realistic noise: typos/abbreviations, dropped or doubled punctuation."""
    if rng.random() < 0.2:
        a, b = rng.choice(TYPOS)
        text = text.replace(a, b, 1)
    if rng.random() < 0.15:
        text = re.sub(r"[，。]", " ", text)
    if rng.random() < 0.05:
        text = text.replace("？", "???")
    return text.strip()


def chat(rng: random.Random, cat: str) -> str:
    bank = BANK[cat]
    core = fill(rng, rng.choice(bank["chat"]))
    parts = [rng.choice(GREET)]
    if rng.random() < 0.3:
        parts.append(fill(rng, rng.choice(CONTEXT)))
    parts.append(core)
    if rng.random() < 0.35:
        parts.append(("，" if rng.random() < 0.6 else " ") + rng.choice(FOLLOW[cat]))
    if rng.random() < 0.12:
        parts.append("，" + fill(rng, rng.choice(bank["chat"])))
    parts.append(rng.choice(TAIL))
    return noisy(rng, "".join(parts))


def summary_sentence(rng: random.Random, phrase: str) -> str:
    subj = rng.choice(SUMMARY_SUBJ)
    if phrase.startswith(VERB_PREFIXES):
        return f"{subj}{phrase}。"
    verb = rng.choice(SAY + SAY + WANT[:0] + ASK[:0])
    return f"{subj}{verb}{phrase}。"


def summary(rng: random.Random, cat: str) -> str:
    bank = BANK[cat]
    sents = [summary_sentence(rng, fill(rng, rng.choice(bank["summary"])))]
    r = rng.random()
    if r < 0.35:
        sents.append(summary_sentence(rng, fill(rng, rng.choice(bank["summary"]))))
    elif r < 0.55:
        sents.append(rng.choice(SUMMARY_NEUTRAL))
    elif r < 0.65:
        sents.append(summary_sentence(rng, rng.choice(ASK) + rng.choice(FOLLOW[cat] or ["怎么处理"])))
    # secondary questions about other topics often follow the main request; the label
    # stays with the first (main) sentence
    if rng.random() < 0.45:
        for _ in range(rng.choice((1, 1, 2))):
            other = rng.choice([c for c in BANK if c != cat])
            sents.append(summary_sentence(rng, fill(rng, rng.choice(BANK[other]["summary"]))))
    if rng.random() < 0.1:
        sents[0] = sents[0].replace("用户", "用户" + fill(rng, "{t}购买的{p}，"), 1).replace("，询问", "，询问")
    return "".join(sents)


def review(rng: random.Random, cat: str) -> str:
    bank = BANK[cat]
    body = fill(rng, rng.choice(bank["review"]))
    r = rng.random()
    if r < 0.3:
        text = rng.choice(REVIEW_PRAISE) + rng.choice(REVIEW_CONTRAST) + body
    elif r < 0.5:
        text = fill(rng, rng.choice(["买的{p}", "这个{p}", "{p}", "给家里买的{p}"])) + "，" + body
    else:
        text = body
    if rng.random() < 0.25:
        text += "，" + fill(rng, rng.choice(bank["review"]))
    text += rng.choice(["", "！", "。", "，推荐", "，好评"]) if cat == "other" else rng.choice(REVIEW_END)
    return noisy(rng, text)


def english(rng: random.Random, cat: str) -> str:
    core = fill(rng, rng.choice(BANK[cat]["en"]))
    return (rng.choice(EN_PREFIX) + core + rng.choice(EN_SUFFIX)).strip()


def generate(seed: int = SEED) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for cat, (n_chat, n_sum, n_rev, n_en) in COUNTS.items():
        for fn, n in ((chat, n_chat), (summary, n_sum), (review, n_rev), (english, n_en)):
            made = 0
            tries = 0
            while made < n and tries < n * 6:
                tries += 1
                text = fn(rng, cat).replace("\t", " ").strip()
                if not text or text in seen:
                    continue
                seen.add(text)
                rows.append((cat, text))
                made += 1
    rng.shuffle(rows)
    return rows


def main() -> None:
    rows = generate()
    with OUT.open("w", encoding="utf-8") as fh:
        for cat, text in rows:
            fh.write(f"{cat}\t{text}\n")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
