"""The JSON of an answer, written fast: the parts shared between answers are encoded once.

An award's JSON is mostly parts that do not depend on the applicant's figures: every check,
citation and input shown is a frozen model the engine's plans share between lines
(``engine.plans``), and the interpretations, the rounding statement and the related-rule hints
belong to the rule pack. :class:`SharedJSON` keeps each such object with its JSON (a bounded
number of them), and :func:`award_json` assembles the award from those pieces and the per-answer rest. The bytes are
the very ones ``Award.model_dump_json()`` writes (the same fields, in the same order, money as
the string of the exact Decimal); ``tests/test_web_answer.py`` compares them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import orjson
from pydantic import BaseModel

from ..engine.models import Award, LineItem

__all__ = ["SharedJSON", "award_json", "model_json"]


def model_json(obj: BaseModel) -> bytes:
    return obj.model_dump_json().encode()


class SharedJSON:
    """The JSON of objects shared between answers, made once per object (``dump(obj)``).

    Each object is kept with its JSON (so its ``id`` stays its own), up to ``limit`` of them;
    past that the whole store starts afresh — a bound on memory, whatever people type (a check
    and its JSON are ~1 KB: ~8 MB per worker at the default limit). Keeping
    them also keeps the engine's weakly held shared checks alive between answers, so the engine
    reuses them instead of making them again. Objects made for one answer only are better dumped
    directly."""

    def __init__(self, dump: Callable[[Any], bytes] = model_json, limit: int = 8192):
        self._dump, self.limit = dump, limit
        self._kept: dict[int, tuple[Any, orjson.Fragment]] = {}

    def __call__(self, obj: Any) -> orjson.Fragment:
        hit = self._kept.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        frag = orjson.Fragment(self._dump(obj))
        if len(self._kept) >= self.limit:
            self._kept = {}
        self._kept[id(obj)] = (obj, frag)
        return frag

    def __len__(self) -> int:
        return len(self._kept)


SHARED = SharedJSON()

# The fields whose values (or, for a list, items) are shared models: frozen, kept by the engine's
# plans (checks, citations, inputs used, rule names) or by the rule pack (interpretations, rounding).
_SHARED_FIELDS: dict[type, frozenset[str]] = {
    Award: frozenset({"interpretations", "rounding"}),
    LineItem: frozenset({"name", "inputs", "checks", "citation", "paid_in_kind"}),
}
_NESTED = frozenset({"lines"})  # made for this answer, but holding shared parts


def _plain(v: Any) -> Any:
    """A value made for this answer, as pydantic writes it."""
    if isinstance(v, BaseModel):
        return orjson.Fragment(v.model_dump_json())
    if isinstance(v, list):  # a list of strings (the models' only other lists) is written as it is
        return [_plain(x) for x in v] if v and not isinstance(v[0], str) else v
    if isinstance(v, Decimal):
        return str(v)  # core ``Dec``: the exact Decimal as a string
    return v


def _shared(v: Any) -> Any:
    if isinstance(v, list):
        return [SHARED(x) for x in v]
    return None if v is None else SHARED(v)


def _parts(obj: BaseModel) -> dict[str, Any]:
    cls = type(obj)
    shared = _SHARED_FIELDS.get(cls, frozenset())
    out: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if field.exclude:
            continue
        v = getattr(obj, name)
        if name in shared:
            out[name] = _shared(v)
        elif name in _NESTED:
            out[name] = [_parts(x) for x in v]
        else:
            out[name] = _plain(v)
    for name in cls.model_computed_fields:
        out[name] = _plain(getattr(obj, name))
    return out


def award_json(award: Award) -> bytes:
    """``award.model_dump_json()``, byte for byte, with the shared parts encoded once."""
    return orjson.dumps(_parts(award))
