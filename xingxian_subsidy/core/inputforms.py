"""The written forms of a number and of yes/no that staff and farmers may type (docs/input-forms.md)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = [
    "FALSE_WORDS", "FIRST_YEAR", "INVISIBLE", "LAST_YEAR", "MAX_APPLICANT_BYTES", "MAX_NUMBER_CHARS", "MAX_ROSTER_BYTES", "MB", "NEAR_MISSES_KEPT", "PLAIN_KEY", "TRUE_WORDS",
    "has_lone_surrogate", "normalise_key", "normalise_text", "number_text", "printable", "yes_no",
]

# Bounds on what a user may hand over (not policy). One applicant's file is a few KB; anything
# this large is a mistake (or a roster), not an applicant.
MB = 1_000_000
MAX_APPLICANT_BYTES = 5 * MB
# A roster: the largest benchmark roster (1,000,000 rows) is 156 MB as CSV; a file ten times that is
# not a county's roster.
MAX_ROSTER_BYTES = 2000 * MB
# A number written with more characters than this is not a quantity anyone means (10^15 has 16
# digits; Python refuses to read integers of over 4,300 digits at all).
MAX_NUMBER_CHARS = 100
# The years an applicant file may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# How many distinct unknown words a process remembers the nearest known word of (a did-you-mean):
# bounded, since the words are what users type.
NEAR_MISSES_KEPT = 4096

# Full-width ASCII (Ｕ+FF01–FF5E) and the ideographic space to their half-width forms; nothing else
# (NFKC would also turn ①, ² and other look-alikes into digits).
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

# The words that answer yes or no (compared in lower case, after normalise_text).
# The everyday answers are here too (没有/没/不是/无, 有/是/对 and 是的/对的/有的, 不对): a farmer
# who types 没有 means no, and must not be told to try again.
TRUE_WORDS = frozenset({"是", "有", "true", "yes", "y", "1", "对", "通过", "合格", "√", "是的", "对的", "有的"})
FALSE_WORDS = frozenset({"否", "无", "false", "no", "n", "0", "不", "未通过", "不合格", "×", "没有", "没", "不是", "不对"})


# Characters that print nothing but make two words differ: format characters (zero-width space
# and joiners, the BOM, soft hyphen, bidi marks; Unicode category Cf) and variation selectors.
# (Written so that Python's ``re`` and polars' regex read the pattern alike: audit.frame uses it too.)
INVISIBLE = r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
_INVISIBLE = re.compile(INVISIBLE)
# A text made only of printable ASCII other than the space and of CJK unified ideographs (the basic
# block and extension A) is its own key (normalise_key): NFKC leaves each of those characters as it
# is and composes none of them, none is invisible and none is a blank. Nearly every name, village and
# 身份证号 is written so. (Both regex engines read it alike, as INVISIBLE.)
PLAIN_KEY = r"[\x21-\x7e\u3400-\u4dbf\u4e00-\u9fff]+"
_PLAIN_KEY = re.compile(PLAIN_KEY)
# What a terminal would act on rather than print: C0 and C1 controls (an escape sequence starts
# with one) other than tab and newline, DEL, and bidi overrides that reorder what is shown.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def normalise_key(raw: str | None) -> str | None:
    """A name, village or ID as compared: NFKC (full-width to half-width), invisible characters
    removed, runs of blanks made one space, trimmed; None or blank stays None.

    Two cells that look the same on screen give the same key: a zero-width space typed into a
    name does not make a second household.
    """
    if raw is None:
        return None
    if _PLAIN_KEY.fullmatch(raw):
        return raw
    text = " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFKC", raw)).split())
    return text or None


def printable(text: str) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed (tab
    and newline kept), lone surrogates replaced."""
    text = _CONTROL.sub("", text)
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds half of a UTF-16 pair (``"\\ud800"`` in JSON or YAML): no character,
    and not writable as UTF-8."""
    return _SURROGATE.search(text) is not None


def surely_no_lone_surrogate(value: Any) -> bool:
    """True when no string in ``value`` (nested dicts and lists, keys included) can hold a lone
    surrogate: one pass in C (orjson refuses to write one), for the common case. False means
    "look": a lone surrogate, or anything orjson does not write — walk it string by string."""
    import orjson

    try:
        orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return False
    return True


def normalise_text(raw: str) -> str:
    """Full-width digits, signs and spaces to ASCII, trimmed. Nothing else is changed."""
    return raw.translate(_FULLWIDTH).strip()


def number_text(raw: str, unit: str | None) -> str | None:
    """The accepted written forms of a number (docs/input-forms.md), or None if refused.

    Accepted: ASCII or full-width digits; a comma only between groups of three digits
    (``1,200.5``); the input's own unit written after the number (``120亩``). Refused: any
    other comma or space inside the number (``1,5``, ``1 2``), an underscore (``1_000``), and
    anything longer than :data:`MAX_NUMBER_CHARS`.
    """
    if len(raw) > MAX_NUMBER_CHARS * 2:
        return None
    text = normalise_text(raw)
    if unit and text.endswith(unit) and len(text) > len(unit):
        text = text[: -len(unit)].rstrip()
    if "," in text:
        if not _GROUPED.match(text):
            return None
        text = text.replace(",", "")
    if any(ch.isspace() for ch in text) or "_" in text or len(text) > MAX_NUMBER_CHARS:
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
