"""身份证号: the GB 11643 check (one ID at a time, and a column at once) and masking; and the
other personal identifiers a roster may carry in its own columns (bank cards, phone numbers),
masked in every output unless asked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import polars as pl

__all__ = ["IDENTIFIER_HEADERS", "id_check", "identifier_kind", "ids_ok", "mask_expr", "mask_id", "mask_identifier_expr"]

IdentifierKind = Literal["id", "card", "phone"]
# Words in a roster's header that say its column holds a personal identifier (not policy: how
# rosters name these columns — 一卡通账号, 银行卡号, 联系电话, 手机号, 代理人身份证号 …).
IDENTIFIER_HEADERS: dict[IdentifierKind, tuple[str, ...]] = {
    "id": ("身份证", "证件号", "id_number", "id number", "identity"),
    "card": ("一卡通", "银行卡", "卡号", "账号", "帐号", "存折", "account", "card"),
    "phone": ("电话", "手机", "联系方式", "phone", "mobile", "tel"),
}


def identifier_kind(header: str) -> IdentifierKind | None:
    """Which kind of personal identifier a column holds, judged by its header; None if none."""
    h = header.lower()
    for kind, words in IDENTIFIER_HEADERS.items():
        if any(w in h for w in words):
            return kind
    return None


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"


def id_check(id_number: str) -> tuple[bool, dict[str, str] | None]:
    """GB 11643-1999 citizen ID: 18 characters, a real birth date, ISO 7064 MOD 11-2 check digit.

    Returns:
        (True, None) or (False, message in zh and en).
    """
    s = id_number.strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", s):
        # the ID is named only masked and by its length: never in full in a report or message
        return False, _t(f"身份证号格式有误：应为 18 位（前 17 位为数字，末位为数字或 X），得到 {len(s)} 个字符（{mask_id(s)}）",
                         f"ID number: expected 18 characters (17 digits, then a digit or X), got {len(s)} characters ({mask_id(s)})")
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False, _t("身份证号中的出生日期不存在", "ID number: its birth date does not exist")
    expected = _ID_CHECK[sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS)) % 11]
    if s[17] != expected:
        return False, _t(f"身份证号校验位有误：末位应为 {expected}，得到 {s[17]}（GB 11643）",
                         f"ID number check digit is wrong: expected {expected}, got {s[17]} (GB 11643)")
    return True, None


def ids_ok(ids: pl.Series) -> pl.Series:
    """``id_check`` over a column, vectorised: the 17 digits as one integer, each distinct
    birth date parsed once."""
    s = ids.str.to_uppercase()
    body = s.str.slice(0, 17).cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(pl.col("b") // 10 ** (16 - i)) % 10 * w for i, w in enumerate(_ID_WEIGHTS)])
    expected = (total % 11).replace_strict({k: _ID_CHECK[k] for k in range(11)}, return_dtype=pl.String)
    births = s.str.slice(6, 8)
    distinct = births.unique().drop_nulls()
    valid = distinct.filter(distinct.str.to_date("%Y%m%d", strict=False).is_not_null())
    frame = pl.DataFrame({"s": s, "b": body, "birth": births})
    return frame.select(
        (pl.col("s").str.contains(r"^[0-9]{17}[0-9X]$") & pl.col("birth").is_in(valid.implode()).fill_null(False).and_(pl.col("birth").is_not_null())
         & (expected == pl.col("s").str.slice(17, 1))).fill_null(False).alias("id_ok")).to_series()


def mask_id(id_number: str | None) -> str | None:
    """Keep the first 6 and last 4 characters: 142301********1234 (shorter: all stars)."""
    if not id_number:
        return id_number
    n = len(id_number)
    if n > 10:
        return id_number[:6] + "*" * (n - 10) + id_number[-4:]
    return "*" * n


def mask_expr(col: str) -> pl.Expr:
    """Vectorised mask_id (IDs longer than 64 characters keep at most 54 stars)."""
    c = pl.col(col)
    n = c.str.len_chars()
    stars = pl.lit("*" * 64)
    return (
        pl.when(c.is_null()).then(None)  # a blank ID stays blank
        .when(n > 10)
        .then(c.str.slice(0, 6) + stars.str.slice(0, n - 10) + c.str.slice(-4, 4))
        .otherwise(stars.str.slice(0, n))
    )


def mask_identifier_expr(col: str, kind: IdentifierKind) -> pl.Expr:
    """A column of identifiers masked: an ID as :func:`mask_expr`; a bank card keeps its last 4
    characters; a phone number its first 3 and last 4 (138****5678). Blank stays blank."""
    if kind == "id":
        return mask_expr(col)
    c = pl.col(col)
    n = c.str.len_chars()
    stars = pl.lit("*" * 64)
    keep_head = 3 if kind == "phone" else 0
    return (
        pl.when(c.is_null()).then(None)
        .when(n > keep_head + 6)
        .then(c.str.slice(0, keep_head) + stars.str.slice(0, n - keep_head - 4) + c.str.slice(-4, 4))
        .otherwise(stars.str.slice(0, n))
    )
