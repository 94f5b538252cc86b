"""Spreadsheet cells that would run as a formula (= + - @, tab, CR at the start): found when a
roster is read, neutralised (a leading apostrophe) when a report is written."""

from __future__ import annotations

from typing import Any, Collection

import polars as pl

__all__ = ["FORMULA_START", "formula_columns", "neutralise", "neutralise_expr"]

# a cell that a spreadsheet would run as a formula (neutralised in written reports)
FORMULA_START = r"^[=+\-@\t\r]"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading apostrophe."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def neutralise_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.str.contains(FORMULA_START)).then(pl.lit("'") + c).otherwise(c).alias(col)


def formula_columns(df: pl.DataFrame, columns: Collection[str] | None = None) -> set[str]:
    """The text columns of ``df`` (or of ``columns``) with a cell that ``neutralise`` would change."""
    texts = [c for c, t in df.schema.items() if t == pl.String and (columns is None or c in columns)]
    if not texts or not df.height:
        return set()
    flags = df.select([pl.col(c).str.contains(FORMULA_START).any() for c in texts]).row(0)
    return {c for c, f in zip(texts, flags) if f}
