"""Spreadsheet cells that would run as a formula (= + - @, tab, CR at the start): found when a
roster is read, neutralised (a leading apostrophe) when a report is written."""

from __future__ import annotations

from typing import Any, Collection

import polars as pl

__all__ = ["FORMULA_FIRST", "formula_columns", "neutralise", "neutralise_expr", "starts_like_formula"]

# the first characters of a cell that a spreadsheet would run as a formula (neutralised in written reports)
FORMULA_FIRST = "=+-@\t\r"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading apostrophe."""
    if isinstance(value, str) and value and value[0] in FORMULA_FIRST:
        return "'" + value
    return value


def starts_like_formula(cell: pl.Expr) -> pl.Expr:
    """Whether a text cell starts like a formula: its first character looked up (on the long texts
    of a problem list two to three times faster than the regex ``^[=+\\-@\\t\\r]``)."""
    return cell.str.head(1).is_in(list(FORMULA_FIRST))


def neutralise_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(starts_like_formula(c)).then(pl.lit("'") + c).otherwise(c).alias(col)


def formula_columns(df: pl.DataFrame, columns: Collection[str] | None = None) -> set[str]:
    """The text columns of ``df`` (or of ``columns``) with a cell that ``neutralise`` would change."""
    texts = [c for c, t in df.schema.items() if t == pl.String and (columns is None or c in columns)]
    if not texts or not df.height:
        return set()
    flags = df.select([starts_like_formula(pl.col(c)).any() for c in texts]).row(0)
    return {c for c, f in zip(texts, flags) if f}
