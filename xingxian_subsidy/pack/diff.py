"""What changed between two years' rules: documents, parameters, rules, conditions, interpretations
and citations, side by side; and which rules' amounts a change can move.

``diff_years(a, b)`` lists every difference as an :class:`Entry` (kind, key, field, before, after),
sorted, so that ``diff_years(b, a)`` is exactly the inverse of ``diff_years(a, b)`` and a year
compared with itself gives nothing. ``rules_moved(a, b)`` gives the rules whose amounts may differ
(the rules changed, and those sharing a limit across claims with them), which a simulation need
recompute and which a contested reading must name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from pydantic_core import to_jsonable_python

from ..core.money import num_text
from .loader import YearRules
from .rule import Rule, walk_conditions

__all__ = ["KINDS", "Entry", "diff_years", "rules_moved", "unnamed_dependencies"]

# the kinds of entry, in the order they are listed
KINDS = ("document", "vocabulary", "parameter", "rule", "condition", "interpretation", "citation")

_RULE_CITATION = ("section", "quote")
_RULE_SKIP = ("id", "document", "conditions", *_RULE_CITATION)
_COND_CITATION = ("section", "quote")


@dataclass(frozen=True, order=True)
class Entry:
    """One difference: ``before`` is None when the thing is new in b, ``after`` when it is gone."""

    kind: str
    key: str
    field: str
    before: str | None
    after: str | None

    def inverse(self) -> Entry:
        return Entry(self.kind, self.key, self.field, self.after, self.before)

    @property
    def change(self) -> str:
        """added, removed or changed."""
        return "added" if self.before is None else "removed" if self.after is None else "changed"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return to_jsonable_python(value)


def _fields(kind: str, key: str, a: Any, b: Any, names: Iterable[str]) -> list[Entry]:
    out = []
    for name in names:
        va = getattr(a, name) if a is not None else None
        vb = getattr(b, name) if b is not None else None
        if va != vb:
            out.append(Entry(kind, key, name, None if va is None else _text(va), None if vb is None else _text(vb)))
    return out


def _presence(kind: str, key: str, a: Any, b: Any, summary) -> list[Entry] | None:
    if a is None and b is None:
        return []
    if a is None or b is None:
        return [Entry(kind, key, "", None if a is None else summary(a), None if b is None else summary(b))]
    return None


def _rule_fields(rule: Rule) -> list[str]:
    return [f for f in Rule.model_fields if f not in _RULE_SKIP]


def diff_years(a: YearRules, b: YearRules) -> list[Entry]:
    """Every difference between two years' rules, sorted by kind (see :data:`KINDS`), key and field."""
    out: list[Entry] = []
    if a.year != b.year:
        out.append(Entry("document", "year", "year", str(a.year), str(b.year)))
    for doc_id in sorted(set(a.documents) | set(b.documents)):
        da, db = a.documents.get(doc_id), b.documents.get(doc_id)
        got = _presence("document", doc_id, da, db, lambda d: f"{d.number} {d.title}")
        out += got if got is not None else _fields("document", doc_id, da, db, [f for f in type(da).model_fields if f != "id"])
    oa = {k: d for k, (d, _) in a.overlay_documents.items()}
    ob = {k: d for k, (d, _) in b.overlay_documents.items()}
    for doc_id in sorted(set(oa) | set(ob)):
        got = _presence("document", doc_id, oa.get(doc_id), ob.get(doc_id), lambda d: f"{d.number} {d.title}" + ("（示例）" if d.illustration else ""))
        out += got if got is not None else _fields("document", doc_id, oa[doc_id], ob[doc_id], [f for f in type(oa[doc_id]).model_fields if f != "id"])
    out += _fields("vocabulary", "vocabulary", a.vocabulary, b.vocabulary, type(a.vocabulary).model_fields)

    for doc_id in sorted(set(a.parameters) | set(b.parameters)):
        pa, pb = a.parameters.get(doc_id, {}), b.parameters.get(doc_id, {})
        for name in sorted(set(pa) | set(pb)):
            key = f"{doc_id}.{name}"
            x, y = pa.get(name), pb.get(name)
            got = _presence("parameter", key, x, y, lambda p: f"{num_text(p.value)} {p.unit}")
            if got is not None:
                out += got
                continue
            assert x is not None and y is not None
            if x.value != y.value or x.unit != y.unit:
                out.append(Entry("parameter", key, "value", f"{num_text(x.value)} {x.unit}", f"{num_text(y.value)} {y.unit}"))
            out += _fields("parameter", key, x, y, ["label", "value_from"])
            out += _fields("citation", key, x, y, ["section", "quote"])
            px, py = a.provenance.get((doc_id, name)), b.provenance.get((doc_id, name))
            for field, get in (("since", lambda p: p.since), ("cited document", lambda p: p.document)):
                vx = get(px) if px is not None else None
                vy = get(py) if py is not None else None
                if vx != vy:
                    out.append(Entry("citation", key, field, None if vx is None else str(vx), None if vy is None else str(vy)))

    for rid in sorted(set(a.rules) | set(b.rules)):
        ra, rb = a.rules.get(rid), b.rules.get(rid)
        got = _presence("rule", rid, ra, rb, lambda r: r.name.zh)
        if got is not None:
            out += got
            continue
        assert ra is not None and rb is not None
        out += _fields("rule", rid, ra, rb, _rule_fields(ra))
        out += _fields("citation", rid, ra, rb, _RULE_CITATION)
        ca = {c.id: c for c in walk_conditions(ra.conditions)}
        cb = {c.id: c for c in walk_conditions(rb.conditions)}
        for cid in sorted(set(ca) | set(cb)):
            key = f"{rid} / {cid}"
            x, y = ca.get(cid), cb.get(cid)
            got = _presence("condition", key, x, y, lambda c: c.label.zh)
            if got is not None:
                out += got
                continue
            out += _fields("condition", key, x, y, [f for f in type(x).model_fields if f not in ("id", "any_of", *_COND_CITATION)])
            out += _fields("citation", key, x, y, _COND_CITATION)

    for iid in sorted(set(a.interpretations) | set(b.interpretations)):
        ia, ib = a.interpretations.get(iid), b.interpretations.get(iid)
        got = _presence("interpretation", iid, ia, ib, lambda i: i.title.zh)
        out += got if got is not None else _fields("interpretation", iid, ia, ib, [f for f in type(ia).model_fields if f != "id"])
        ra, rb = a.readings.get(iid), b.readings.get(iid)
        if ra != rb:
            out.append(Entry("interpretation", iid, "reading taken", ra or "A", rb or "A"))
        alts_a = [x.model_dump(mode="json") for x in a.alternatives.get(iid, [])]
        alts_b = [x.model_dump(mode="json") for x in b.alternatives.get(iid, [])]
        if alts_a != alts_b:
            out.append(Entry("interpretation", iid, "alternatives", _text(alts_a) if alts_a else None, _text(alts_b) if alts_b else None))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda e: (order[e.kind], e.key, e.field, e.before or "", e.after or ""))


# ------------------------------------------------------------------------------ what a change moves


def _groups(rule: Rule) -> set[tuple[str, str]]:
    """The limits across claims a rule takes part in: once per applicant, exclusive group, shared caps."""
    out = set()
    if rule.once_per_applicant:
        out.add(("once", rule.once_per_applicant))
    if rule.exclusive_group:
        out.add(("exclusive", rule.exclusive_group))
    out.update((f"cap:{c.scope}", c.group or "") for c in rule.caps if c.scope != "claim")
    return out


def rules_moved(a: YearRules, b: YearRules) -> set[str] | None:
    """The rules whose amounts may differ between ``a`` and ``b``; None when it may be any rule.

    A rule moves when it differs, when a parameter it uses differs, or when it shares a limit across
    claims (once per applicant, an exclusive group, a shared cap) with a rule that moves. A change
    of the vocabulary (who is a 三类户 …) may move any rule.
    """
    if a.vocabulary != b.vocabulary:
        return None
    moved: set[str] = set()
    for rid in set(a.rules) | set(b.rules):
        ra, rb = a.rules.get(rid), b.rules.get(rid)
        if ra is None or rb is None or ra != rb:
            moved.add(rid)
            continue
        assert ra.document is not None
        pa, pb = a.parameters.get(ra.document.id, {}), b.parameters.get(ra.document.id, {})
        if any(pa.get(p) is None or pb.get(p) is None or pa[p].value != pb[p].value for p in ra.parameter_names()):
            moved.add(rid)
    changed = True
    while changed:  # the rules sharing a limit with a moved rule move too
        groups = {g for yr in (a, b) for rid in moved if rid in yr.rules for g in _groups(yr.rules[rid])}
        more = {rid for yr in (a, b) for rid, r in yr.rules.items() if rid not in moved and _groups(r) & groups}
        changed = bool(more)
        moved |= more
    return moved


def unnamed_dependencies(yr: YearRules, alternative_years: dict[tuple[str, str], YearRules]) -> list[tuple[str, str, str]]:
    """(entry, alternative, rule) for every rule whose amount can change under an alternative reading
    and that does not name the entry: no line may depend silently on a reading.

    Args:
        yr: the year's rules (the register's readings).
        alternative_years: (entry, alternative id) → the year's rules under that alternative.
    """
    out = []
    for (entry, alt), other in sorted(alternative_years.items()):
        moved = rules_moved(yr, other)
        for rid in sorted(moved if moved is not None else set(yr.rules)):
            rule = yr.rules.get(rid)
            if rule is not None and entry not in rule.interpretation_ids():
                out.append((entry, alt, rid))
    return out
