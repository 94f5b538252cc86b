"""The written forms of a number and of yes/no that staff and farmers may type (docs/input-forms.md)."""

from __future__ import annotations

import re

__all__ = ["normalise_text", "number_text"]

# Full-width ASCII (Ｕ+FF01–FF5E) and the ideographic space to their half-width forms; nothing else
# (NFKC would also turn ①, ² and other look-alikes into digits).
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


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
