"""Money: the only place amounts are parsed or rounded.

Every amount is a :class:`decimal.Decimal` in 元 (yuan). Floats are refused at
the door: ``D(0.1)`` raises, because ``Decimal(0.1)`` is
``0.1000000000000000055511151231257827...`` and a subsidy must be exact to the 分.

Rounding rule (stated once, used once per line item): each payable line is
quantized to 0.01 元 with ROUND_HALF_UP; totals are sums of rounded lines.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

__all__ = ["FEN", "MAX_INPUT", "MAX_PERCENT", "MAX_PLACES", "MONEY_CONTEXT", "ROUNDING_STATEMENT", "ZERO", "D", "exact_yuan", "fmt_yuan", "num_text", "pct_text", "to_fen"]

FEN = Decimal("0.01")
# Bounds on what a user may type (not policy): quantities and amounts up to 10^15 with at most
# 6 decimal places; amounts up to 10^12 元 are the audited range and stay exact.
MAX_INPUT = Decimal("1e15")
MAX_PLACES = 6
# A quantity in "%" (survival rate, interest rate) is a percentage of a whole: at most 100.
MAX_PERCENT = Decimal(100)
ZERO = Decimal("0")
# Exact for every product the engine forms: inputs are bounded to 10^15 with at most a few
# decimals, and a formula multiplies at most three of them (principal × rate × days), so no
# intermediate needs more than about 60 significant digits.
MONEY_CONTEXT = Context(prec=100, rounding=ROUND_HALF_UP)

ROUNDING_STATEMENT = {
    "zh": "每个奖补项目金额四舍五入（ROUND_HALF_UP）到 0.01 元，只取整一次；合计为各项取整后金额之和。",
    "en": "Each line item is rounded once to 0.01 yuan, ROUND_HALF_UP; the total is the sum of the rounded lines.",
}


def D(value: object) -> Decimal:
    """Build a Decimal from ``str``, ``int`` or ``Decimal``.

    Args:
        value: the amount or quantity; ``float`` and ``bool`` are rejected.

    Returns:
        The exact Decimal.

    Raises:
        TypeError: for float, bool or any other type.
        ValueError: for a string that is not a finite decimal number.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return value
    if isinstance(value, (bool, float)):
        raise TypeError(f"money and quantities must not be {type(value).__name__}: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if not result.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return result
    raise TypeError(f"cannot make a number of {type(value).__name__}: {value!r}")


def to_fen(amount: Decimal) -> Decimal:
    """Round an amount in 元 to 0.01 元, ROUND_HALF_UP (the one rounding step)."""
    with localcontext(MONEY_CONTEXT):
        return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt_yuan(amount: Decimal) -> str:
    """Render 元 with thousands separators and exactly two decimals: ``1,234.50``."""
    return f"{to_fen(amount):,.2f}"


def num_text(value: Decimal) -> str:
    """A quantity as people write it: no exponent, no trailing zeros after the point."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def pct_text(share: Decimal) -> str:
    """A share as a percentage: 0.65 → 65%."""
    return num_text(share * 100) + "%"


_SHOWN_PLACES = Decimal("0.0001")


def exact_yuan(amount: Decimal) -> str:
    """An intermediate amount before its rounding step: 分 when it is whole 分, else up to four
    decimals and "…" if it goes on (a quotient by 360 may not terminate)."""
    if amount == to_fen(amount):
        return fmt_yuan(amount)
    shown = amount.quantize(_SHOWN_PLACES, rounding=ROUND_DOWN)
    text = f"{shown:,f}".rstrip("0")
    return text + ("…" if shown != amount else "")
