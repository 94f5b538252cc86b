"""Does a parameter's value appear in its own quote?

A parameter carries the sentence it comes from; the value written in the rule data must be
written in that sentence, in one of the ways the documents write numbers: as digits (``0.6``,
``1000``), in 万 (``200 万元`` for 2000000), as a percentage for a share (``40%`` for 0.40), or
``全额`` for a share of 1, ``到分`` for a step of 0.01 元. A digit string only counts where it stands alone (``20`` is not in
``200``). A value the text does not give (the 360-day year of a loan-interest reading) names the
interpretation that sets it (``value_from``), and must appear in that entry's reading instead.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..core.money import num_text

__all__ = ["value_forms", "value_in_text"]

_WAN = Decimal(10000)
_FEN = Decimal("0.01")


def _number(v: Decimal, after: str = "") -> str:
    return r"(?<![0-9.])" + re.escape(num_text(v)) + r"(?![0-9])" + after


def value_forms(value: Decimal, unit: str) -> list[str]:
    """The ways a document may write ``value`` (of ``unit``), as regular expressions."""
    forms = [_number(value, r"(?![.][0-9])")]
    wan = value / _WAN
    if value >= _WAN:
        # 200 万元; the lower end of a range in 万 (3-5 万元)
        forms += [_number(wan, r"\s*万"), _number(wan, r"\s*[-－~～至]\s*[0-9.]+\s*万")]
    if unit in ("比例", "%"):
        forms.append(_number(value * 100, r"\s*[%％]"))
        if value == 1:
            forms.append("全额")
    if unit == "%":
        forms.append(_number(value, r"\s*[%％]"))
    if value == _FEN and unit.startswith("元"):
        forms.append("到分")  # a rounding step: 四舍五入到分, 截尾到分
    return forms


def value_in_text(value: Decimal, unit: str, text: str) -> bool:
    """Whether ``text`` writes ``value`` in one of :func:`value_forms`."""
    return any(re.search(f, text) for f in value_forms(value, unit))
