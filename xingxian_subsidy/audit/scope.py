"""What a roster can check, and what its "一致" rests on.

A form carries some of what a subsidy's conditions ask and not the rest: 附件8's 农户奖补名册 has
年度实现家庭增收 and the amount, not 验收合格, 用地 or 成活率. A condition whose input has no column
in the roster (nor any ``when`` it depends on; a column naming it in another unit counts as
carrying it) is not invented and is not a reason to mark every
row 信息不全: it is left out of the computation and named, per rule, as not checked. A column that
exists with a blank cell is still 信息不全 on that row: the form asks for it and it was not given.

:func:`roster_scope` works this out from the column map; :attr:`Scope.yr` is the year's rules with
the conditions not checked left out (both computation paths use it), and :meth:`Scope.basis` says,
per rule, on what the amount was computed, which conditions were checked on which column, and
which were not (``按名册核算：… ；已核验：… ；未核验：…``), for every row of the report and its
说明 sheet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..pack.loader import YearRules
from ..pack.models import Condition
from ..pack.rule import Rule
from .columns import ColumnMap

__all__ = ["Scope", "roster_scope"]


@dataclass
class Scope:
    """The rules as this roster can check them.

    Attributes:
        yr: the year's rules, each without the conditions the roster cannot check.
        checked: per rule, its conditions the roster carries (with the columns they read).
        unchecked: per rule, its conditions the roster does not carry (left out).
        amount_from: per rule, the columns its amount is computed from.
    """

    yr: YearRules
    checked: dict[str, list[tuple[Condition, list[str]]]] = field(default_factory=dict)
    unchecked: dict[str, list[Condition]] = field(default_factory=dict)
    amount_from: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, other: YearRules) -> YearRules:
        """Another reading of the same year's rules with the same conditions left out (by rule and
        condition id): every reading is computed on what this roster checks, and a condition a
        reading brings in or changes that the roster does not carry shows as 信息不全."""
        if not self.unchecked:
            return other
        rules = {rid: rule.model_copy(update={"conditions": [c for c in rule.conditions if c.id not in {u.id for u in self.unchecked[rid]}]})
                 if rid in self.unchecked else rule for rid, rule in other.rules.items()}
        return dataclasses.replace(other, rules=rules)

    def row_basis(self, lang: str) -> dict[str, str]:
        """Per rule, in a few words for each row of the report: computed from the roster, and the
        conditions not checked (按名册核算；未核验：验收合格、用地…)."""
        out: dict[str, str] = {}
        for rid in self.yr.rules:
            left = self.unchecked.get(rid, [])
            if lang == "zh":
                out[rid] = "按名册核算；" + ("未核验：" + "、".join(c.label.zh for c in left) if left else "文件所列条件均已核验")
            else:
                out[rid] = "computed from the roster; " + ("not checked: " + ", ".join(c.label.en for c in left) if left else "every condition checked")
        return out

    def basis(self, lang: str) -> dict[str, str]:
        """Per rule: what the amount was computed from, which conditions were checked on which
        column, and which were not checked."""
        out: dict[str, str] = {}
        for rid in self.yr.rules:
            cols = self.amount_from.get(rid, [])
            done = self.checked.get(rid, [])
            left = self.unchecked.get(rid, [])
            if lang == "zh":
                parts = [f"按名册核算（{'、'.join(f'“{c}”' for c in cols)}）" if cols else "按名册核算"]
                if done:
                    parts.append("已核验：" + "、".join(c.label.zh for c, _ in done))
                parts.append("未核验（名册无此项）：" + "、".join(c.label.zh for c in left) if left else "文件所列条件均已核验")
                out[rid] = "；".join(parts)
            else:
                parts = [f"computed from the roster ({', '.join(cols)})" if cols else "computed from the roster"]
                if done:
                    parts.append("checked: " + ", ".join(c.label.en for c, _ in done))
                parts.append("not checked (not on the roster): " + ", ".join(c.label.en for c in left) if left else "every condition of the text checked")
                out[rid] = "; ".join(parts)
        return out


def _needs(c: Condition) -> list[str]:
    """What a condition reads: its inputs (and those its ``when`` tests), ``category`` for the
    household category."""
    out = [c.input] if c.input else []
    out += list(c.ratio_of or [])
    if c.category:
        out.append("category")
    if c.when is not None:
        out += list(c.when.inputs or {})
        if c.when.group is not None or c.when.not_group is not None:
            out.append("category")
    return out


def _carried(c: Condition, on_roster: dict[str, list[str]]) -> bool:
    """Whether the roster carries what a condition reads (an ``any_of``: one of its alternatives)."""
    if c.any_of:
        return any(_carried(a, on_roster) for a in c.any_of)
    return all(on_roster.get(n) for n in _needs(c))


def _columns(c: Condition, on_roster: dict[str, list[str]]) -> list[str]:
    if c.any_of:
        return list(dict.fromkeys(col for a in c.any_of for col in _columns(a, on_roster)))
    return list(dict.fromkeys(col for n in _needs(c) for col in on_roster.get(n, [])))


def roster_scope(yr: YearRules, cmap: ColumnMap) -> Scope:
    """The rules as a roster with these columns can check them (see the module's docstring)."""
    scope = Scope(yr=yr)
    category = [cmap.fixed["category"]] if "category" in cmap.fixed else []
    rules: dict[str, Rule] = {}
    changed = False
    for rid, rule in yr.rules.items():
        on_roster = {name: cols for name, cols in cmap.inputs.get(rid, {}).items()} | {"category": category}
        carried = {name: cols or cmap.other_unit.get(rid, {}).get(name, []) for name, cols in on_roster.items()}
        keep: list[Condition] = []
        for c in rule.conditions:
            # a column in another unit (微菜园面积（亩）) is carried but not read: its rows are 信息不全
            if _carried(c, carried):
                keep.append(c)
                scope.checked.setdefault(rid, []).append((c, _columns(c, on_roster)))
            else:
                scope.unchecked.setdefault(rid, []).append(c)
        scope.amount_from[rid] = list(dict.fromkeys(col for name in rule.formula.inputs() for col in on_roster.get(name, [])))
        if len(keep) != len(rule.conditions):
            rules[rid] = rule.model_copy(update={"conditions": keep})
            changed = True
        else:
            rules[rid] = rule
    if changed:
        scope.yr = dataclasses.replace(yr, rules=rules)
    return scope
