"""Which column holds what: the fixed columns a roster carries and each rule's inputs, found by
their headers as people write them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..core.errors import InputError, Problem
from ..core.money import PERCENT, YUAN
from ..pack import semantics
from ..pack.loader import YearRules
from ..pack.models import Vocabulary
from ..pack.rule import Rule

__all__ = ["FIXED_COLUMNS", "REQUIRED", "WAN_YUAN", "ColumnMap", "map_columns", "norm_header", "not_a_roster", "resolve_rule", "rule_columns"]

# The fixed columns and the headers staff write for them (zh first; English accepted).
FIXED_COLUMNS: dict[str, list[str]] = {
    "township": ["乡镇", "township", "乡（镇）", "乡镇名称"],
    "village": ["村", "village", "行政村", "村名"],
    "name": ["姓名", "name", "户主姓名", "申请人", "主体名称"],
    "id_number": ["身份证号", "id_number", "身份证号码", "证件号码"],
    "subject": ["主体类型", "subject"],
    "category": ["农户类型", "category"],
    "rule": ["项目", "rule", "奖补项目"],
    "project": ["项目标签", "project", "project_label"],
    "claimed": ["申报金额", "claimed", "拟发放金额", "补贴资金", "补贴金额", "兑付金额"],
}
REQUIRED = ["name", "subject", "rule", "claimed"]

_PAREN_UNIT = re.compile(r"[(（]([^()（）]*)[)）]$")
# the units a fixed column's header may carry after its name: 申报金额（元）
WAN_YUAN = "万" + YUAN
_FIXED_UNITS = {YUAN, WAN_YUAN, PERCENT}


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def norm_header(text: str, drop_units: frozenset[str] | set[str] = frozenset()) -> str:
    """A header as compared: NFKC, no white space, lower case (full-width brackets become ``()``
    and m² becomes m2); a trailing ``(unit)`` dropped when the unit is one of ``drop_units``."""
    h = unicodedata.normalize("NFKC", str(text)).strip()
    h = re.sub(r"\s+", "", h).lower()
    m = _PAREN_UNIT.search(h)
    if m and m.group(1) in {norm_header(u) for u in drop_units}:
        h = h[: m.start()]
    return h


@dataclass
class ColumnMap:
    """Which column holds each fixed field, and each rule's inputs."""

    fixed: dict[str, str]  # field -> column header
    inputs: dict[str, dict[str, list[str]]]  # rule id -> input name -> candidate columns
    unused: list[str]  # columns that are neither fixed nor any rule's input
    claimed_unit: str = YUAN  # 万元 when the amount column says so (申报金额（万元）): read as 元 × 10000


def rule_columns(rule: Rule, vocabulary: Vocabulary | None = None) -> dict[str, list[str]]:
    """The header texts that name each of a rule's inputs: zh label, name, en label, and each of
    them followed by the input's unit in brackets, in any spelling the vocabulary gives it
    (微菜园面积（m²）, 微菜园面积（平方米）). A header whose bracket holds another unit names no input."""
    spellings = vocabulary.unit_spellings() if vocabulary is not None else {}
    out: dict[str, list[str]] = {}
    for s in rule.inputs:
        names = [s.label.zh, s.name, s.label.en]
        units = spellings.get(s.unit, [s.unit]) if s.unit else []
        out[s.name] = names + [f"{n}（{u}）" for n in names for u in units]
    return out


def map_columns(columns: list[str], yr: YearRules, source: str = "<roster>") -> ColumnMap:
    """Map headers to fields and rule inputs.

    Raises:
        InputError: a required column (姓名, 主体类型, 项目, 申报金额) is missing; the message names it.
    """
    normed = {c: norm_header(c) for c in columns}
    fixed: dict[str, str] = {}
    fixed_normed = {c: norm_header(c, _FIXED_UNITS) for c in columns}
    for fieldname, names in FIXED_COLUMNS.items():
        wanted = [norm_header(n) for n in names]
        for w in wanted:
            hit = next((c for c in columns if fixed_normed[c] == w), None)
            if hit is not None:
                fixed[fieldname] = hit
                break
    # two headers for one field (姓名 and 户主姓名, 申报金额 and 申报金额（元）): one would go unread
    twice = []
    for names in FIXED_COLUMNS.values():
        wanted = {norm_header(n) for n in names}
        hits = [c for c in columns if normed[c] in wanted]
        if len(hits) > 1:
            twice.append(Problem(source=source, field=hits[1], message=_t(
                f"表头 {'、'.join(f'“{h}”' for h in hits)} 都是“{names[0]}”列：只能保留一列，请删除或改名其余的",
                f"headers {', '.join(repr(h) for h in hits)} all name the column {names[0]!r}: keep one, remove or rename the others")))
    if twice:
        raise InputError(twice)
    missing = [f for f in REQUIRED if f not in fixed]
    if missing:
        problems = [
            Problem(source=source, field=FIXED_COLUMNS[f][0], message=_t(
                f"缺少必填列“{FIXED_COLUMNS[f][0]}”（也可写作：{'、'.join(FIXED_COLUMNS[f][1:])}）；表头为：{'、'.join(columns)}",
                f"required column {FIXED_COLUMNS[f][0]!r} (or {FIXED_COLUMNS[f][1]!r}) is missing; the header is: {', '.join(columns)}"))
            for f in missing
        ]
        raise InputError(problems)
    claimed = norm_header(fixed["claimed"])
    claimed_unit = WAN_YUAN if norm_header(claimed, {WAN_YUAN}) != claimed else YUAN
    used = set(fixed.values())
    inputs: dict[str, dict[str, list[str]]] = {}
    for rid, rule in yr.rules.items():
        per: dict[str, list[str]] = {}
        for name, texts in rule_columns(rule, yr.vocabulary).items():
            keys = [norm_header(t) for t in texts]
            cols = [c for k in keys for c in columns if normed[c] == k and c not in fixed.values()]
            per[name] = list(dict.fromkeys(cols))
            used.update(cols)
        inputs[rid] = per
    unused = [c for c in columns if c not in used]
    return ColumnMap(fixed=fixed, inputs=inputs, unused=unused, claimed_unit=claimed_unit)


def resolve_rule(yr: YearRules, raw: str) -> str | None:
    """The rule a roster cell names (``pack.semantics.resolve_rule``, the one reading)."""
    return semantics.resolve_rule(yr.rules, raw)


def not_a_roster(columns: list[str]) -> dict[str, str] | None:
    """Why a sheet with these headers is not a roster (it lacks every required column), or None."""
    normed = {norm_header(c) for c in columns}
    found = [f for f in REQUIRED if any(norm_header(n) in normed for n in FIXED_COLUMNS[f])]
    if found:
        return None
    need = "、".join(FIXED_COLUMNS[f][0] for f in REQUIRED)
    return _t(f"第一行不是名册表头（没有 {need} 中的任何一列）", f"its first row is not a roster header (none of {', '.join(FIXED_COLUMNS[f][1] for f in REQUIRED)})")
