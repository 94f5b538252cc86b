"""Money: the only place amounts are parsed or rounded.

Every amount is a :class:`decimal.Decimal` in 元 (yuan). Floats are refused at
the door: ``D(0.1)`` raises, because ``Decimal(0.1)`` is
``0.1000000000000000055511151231257827...`` and a subsidy must be exact to the 分.

Rounding rule (stated once, used once per line item): each payable line is
quantized to 0.01 元 with ROUND_HALF_UP; totals are sums of rounded lines.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

__all__ = ["FEN", "MAX_INPUT", "MAX_PERCENT", "MAX_PLACES", "MONEY_CONTEXT", "PERCENT", "ROUNDING_MODES", "ROUNDING_STATEMENT", "SHARE", "YUAN", "ZERO", "D", "exact_yuan",
           "fmt_yuan", "in_yuan", "num_text", "pct_text", "quotient_text", "round_to", "to_fen"]

FEN = Decimal("0.01")
# Bounds on what a user may type (not policy): quantities and amounts up to 10^15 with at most
# 6 decimal places; amounts up to 10^12 元 are the audited range and stay exact.
MAX_INPUT = Decimal("1e15")
MAX_PLACES = 6
# A quantity in "%" (survival rate, interest rate) is a percentage of a whole: at most 100.
MAX_PERCENT = Decimal(100)
ZERO = Decimal("0")

# The unit words the code gives a meaning to (every other unit is the pack's own, declared in its
# vocabulary): 元, money; "%", a percentage of a whole (at most 100); 比例, a share shown as a
# percentage. 万 is ten thousand: an amount the text states in 万元 (万元/亩 …) is the same amount
# in 元 (元/亩 …), exactly.
YUAN, PERCENT, SHARE = "元", "%", "比例"
_WAN = ("万" + YUAN, Decimal(10000))
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


def in_yuan(value: Decimal, unit: str) -> tuple[Decimal, str]:
    """An amount stated in 万元 (or 万元/亩 …) as the same amount in 元 (元/亩 …), exactly; any
    other unit is returned unchanged. ``187.63239`` 万元 → ``1876323.9`` 元."""
    prefix, factor = _WAN
    if unit.startswith(prefix):
        with localcontext(MONEY_CONTEXT):
            return value * factor, YUAN + unit[len(prefix):]
    return value, unit


ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN}


def round_to(value: Decimal, step: Decimal, mode: str) -> Decimal:
    """``value`` rounded to a multiple of ``step`` (0.01 for the 分) as a text states it: ``half_up``
    (四舍五入) or ``down`` (truncation; the values rounded are never negative)."""
    with localcontext(MONEY_CONTEXT):
        return (value / step).quantize(Decimal(1), rounding=ROUNDING_MODES[mode]) * step


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


_QUOTIENT_PLACES = Decimal("0.01")


def quotient_text(value: Decimal) -> str:
    """A quotient as shown beside a comparison or a rate: to two decimals, cut (never rounded, so
    that a value just under a threshold never shows as the threshold), with "…" if it goes on:
    500 ÷ 12 → ``41.66…``; 1200000 ÷ 6396.15 → ``187.61…``."""
    shown = value.quantize(_QUOTIENT_PLACES, rounding=ROUND_DOWN)
    return num_text(shown) + ("…" if shown != value else "")
