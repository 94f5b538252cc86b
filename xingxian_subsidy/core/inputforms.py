"""The written forms of a number and of yes/no that staff and farmers may type (docs/input-forms.md)."""

from __future__ import annotations

import re

__all__ = ["FALSE_WORDS", "FIRST_YEAR", "LAST_YEAR", "MAX_APPLICANT_BYTES", "MB", "TRUE_WORDS", "normalise_text", "number_text", "yes_no"]

# Bounds on what a user may hand over (not policy). One applicant's file is a few KB; anything
# this large is a mistake (or a roster), not an applicant.
MB = 1_000_000
MAX_APPLICANT_BYTES = 5 * MB
# The years an applicant file may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Full-width ASCII (Ｕ+FF01–FF5E) and the ideographic space to their half-width forms; nothing else
# (NFKC would also turn ①, ² and other look-alikes into digits).
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

# The words that answer yes or no (compared in lower case, after normalise_text).
# The everyday answers are here too (没有/没/不是/无, 有/是/对 and 是的/对的/有的, 不对): a farmer
# who types 没有 means no, and must not be told to try again.
TRUE_WORDS = frozenset({"是", "有", "true", "yes", "y", "1", "对", "通过", "合格", "√", "是的", "对的", "有的"})
FALSE_WORDS = frozenset({"否", "无", "false", "no", "n", "0", "不", "未通过", "不合格", "×", "没有", "没", "不是", "不对"})


def normalise_text(raw: str) -> str:
    """Full-width digits, signs and spaces to ASCII, trimmed. Nothing else is changed."""
    return raw.translate(_FULLWIDTH).strip()


def number_text(raw: str, unit: str | None) -> str | None:
    """The accepted written forms of a number (docs/input-forms.md), or None if refused.

    Accepted: ASCII or full-width digits; a comma only between groups of three digits
    (``1,200.5``); the input's own unit written after the number (``120亩``). Refused: any
    other comma or space inside the number (``1,5``, ``1 2``).
    """
    text = normalise_text(raw)
    if unit and text.endswith(unit) and len(text) > len(unit):
        text = text[: -len(unit)].rstrip()
    if "," in text:
        if not _GROUPED.match(text):
            return None
        text = text.replace(",", "")
    if any(ch.isspace() for ch in text):
        return None
    return text


def yes_no(raw: object) -> bool | None:
    """A yes/no answer as written (是/否, yes/no, 1/0, 通过/未通过 …), or None if it is neither."""
    if isinstance(raw, bool):
        return raw
    if not isinstance(raw, (int, str)):
        return None
    word = normalise_text(str(raw)).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
