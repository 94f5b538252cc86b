"""Pieces of the vectorised path: exact integers (a Decimal as an integer mantissa at a decimal
scale: ``12.5`` is ``125`` at scale 1; Int128 literals) and the compiled form of the rule data's
matches (``pack.semantics``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import polars as pl

from ..pack.semantics import MatchStep, TierBound

__all__ = ["I128", "Unsupported", "at_scale", "compile_match", "lit", "scaled", "tier_tests"]

I128 = pl.Int128


class Unsupported(Exception):
    """A construct the vectorised path does not compile: the rows it concerns go to the reference engine."""


def lit(v: int) -> pl.Expr:
    """An Int128 literal."""
    return pl.lit(v, dtype=I128)


def scaled(value: Decimal) -> tuple[int, int]:
    """A Decimal as (mantissa, scale) with value = mantissa / 10**scale."""
    sign, digits, exp = value.normalize().as_tuple()
    assert isinstance(exp, int)
    mant = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exp >= 0:
        return mant * 10**exp, 0
    return mant, -exp


def at_scale(value: Decimal, scale: int) -> int:
    """The integer of ``value`` at ``scale`` (Unsupported if it needs more decimals)."""
    m, s = scaled(value)
    if s > scale:
        raise Unsupported(f"{value} needs more than {scale} decimals")
    return m * 10 ** (scale - s)


def compile_match(steps: list[MatchStep], input_col: Callable[[str], pl.Expr], with_inputs: bool = True) -> pl.Expr:
    """A match's tests (``semantics.match_steps``) as one three-valued polars expression over the
    columns ``_subject``, ``_category`` and, through ``input_col``, the inputs; null stands for
    "depends on something not given".

    With ``with_inputs=False`` (a cap across claims, decided before any input is read, as the
    engine does) the first input test makes the answer null.
    """
    subject, category = pl.col("_subject"), pl.col("_category")
    chain: list[tuple[pl.Expr, bool | None]] = []
    for step in steps:
        values = sorted(step.values)
        if step.test == "subject_not_in":
            chain.append((~subject.is_in(values), step.result))
        elif step.test == "subject_in":
            chain.append((subject.is_in(values), step.result))
        elif step.test == "category_unknown":
            chain.append((subject.is_in(values).fill_null(False) & category.is_null(), step.result))
        elif step.test == "category_not_in":
            chain.append((~category.is_in(values).fill_null(False), step.result))
        elif step.test == "category_in":
            chain.append((category.is_in(values).fill_null(False), step.result))
        else:
            assert step.input is not None
            col = input_col(step.input)
            if not with_inputs:
                chain.append((pl.lit(True), None))
                break
            if step.test == "input_unknown":
                chain.append((col.is_null(), step.result))
            else:
                chain.append((~col.is_in(values), step.result))
    expr: Any = None
    for cond, value in chain:
        result = pl.lit(value, dtype=pl.Boolean)
        expr = pl.when(cond).then(result) if expr is None else expr.when(cond).then(result)
    return pl.lit(True) if expr is None else expr.otherwise(pl.lit(True))


def tier_tests(bounds: list[TierBound], value: pl.Expr, scale: int) -> list[pl.Expr]:
    """Whether ``value`` (an integer at ``scale``) lies in each tier, in the tiers' order
    (``pack.semantics.TierBound.contains``); Unsupported when a bound needs more decimals."""
    out = []
    for b in bounds:
        ok = pl.lit(True)
        if b.lower is not None:
            lo = lit(at_scale(b.lower, scale))
            ok = ok & ((value >= lo) if b.tier.lower_inclusive else (value > lo))
        if b.upper is not None:
            hi = lit(at_scale(b.upper, scale))
            ok = ok & ((value <= hi) if b.tier.upper_inclusive else (value < hi))
        out.append(ok)
    return out
