"""Which column holds what: the fixed columns a roster carries and each rule's inputs, found by
their headers as people write them — the template's own words (:data:`FIXED_COLUMNS`, each
input's label and name) and the words of the forms and of real rosters that the rule pack lists
(``roster.yaml``: 农户姓名, 奖补金额, 年度实现家庭增收 …). :class:`HeaderWords` is what a header
cell may name, for finding the header row of a table (``layout``)."""

from __future__ import annotations

import difflib
import re
import unicodedata
import weakref
from dataclasses import dataclass, field

from ..core.errors import InputError, Problem
from ..core.memo import per_object
from ..core.money import PERCENT, YUAN
from ..pack import semantics
from ..pack.loader import YearRules
from ..pack.models import Vocabulary
from ..pack.rule import Rule

__all__ = ["FIXED_COLUMNS", "REQUIRED", "WAN_YUAN", "ColumnMap", "HeaderWords", "field_words", "header_words", "map_columns", "norm_header",
           "not_a_roster", "resolve_rule", "rule_columns"]

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
    unused: list[str]  # columns that are neither fixed nor any rule's input (nor known to the pack)
    claimed_unit: str = YUAN  # 万元 when the amount column says so (申报金额（万元）): read as 元 × 10000
    # columns read but not computed from: 序号 (serial), the roster's own tier (tier)
    extra: dict[str, str] = field(default_factory=dict)
    known: list[str] = field(default_factory=list)  # columns the pack knows and passes through (一卡通账号, 联系电话)
    suggest: dict[str, str] = field(default_factory=dict)  # an unused column -> the header it is close to (did you mean)
    # rule id -> input -> columns that name the input in another unit (微菜园面积（亩） for an input in m²): not read,
    # but the roster does carry the input (its conditions are not "not on the roster")
    other_unit: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def field_words(yr: YearRules | None) -> dict[str, list[str]]:
    """Each field → the headers that name it: the template's own (:data:`FIXED_COLUMNS`) first,
    then the rule pack's (``roster.yaml``: the forms' words, 农户姓名, 奖补金额); and the fields
    read but not computed from (``serial``, ``tier``, ``known``), from the pack alone."""
    extra = yr.vocabulary.roster.columns if yr is not None else {}
    out = {f: list(dict.fromkeys([*names, *extra.get(f, [])])) for f, names in FIXED_COLUMNS.items()}
    for f in ("serial", "tier", "known"):
        if extra.get(f):
            out[f] = list(extra[f])
    return out


def rule_columns(rule: Rule, vocabulary: Vocabulary | None = None) -> dict[str, list[str]]:
    """The header texts that name each of a rule's inputs: zh label, name, en label, the pack's
    other words for it (``roster.yaml``: 年度实现家庭增收), and each of them followed by the input's
    unit in brackets, in any spelling the vocabulary gives it (微菜园面积（m²）, 微菜园面积（平方米）).
    A header whose bracket holds another unit names no input."""
    spellings = vocabulary.unit_spellings() if vocabulary is not None else {}
    more = vocabulary.roster.inputs.get(rule.id, {}) if vocabulary is not None else {}
    out: dict[str, list[str]] = {}
    for s in rule.inputs:
        names = [s.label.zh, s.name, s.label.en, *more.get(s.name, [])]
        units = spellings.get(s.unit, [s.unit]) if s.unit else []
        out[s.name] = names + [f"{n}（{u}）" for n in names for u in units]
    return out


@dataclass(frozen=True)
class HeaderWords:
    """What a header cell may name, for a table whose header is not on its first row.

    ``fields``: each header (as :func:`norm_header` compares it, a unit in brackets dropped) → its
    field (``name``, ``claimed``, ``serial``, ``known`` …); ``inputs``: the headers that name a
    rule's input; ``units``: the unit words a row of units under the header holds (元, 亩, %);
    ``totals`` and ``notes``: the words of a 合计 row and of a signature or notes row (NFKC, no
    blanks), from the pack."""

    fields: dict[str, str]
    inputs: dict[str, str]  # header → the inputs it names (``rule:input`` joined), the same key for every header of them
    units: frozenset[str]
    totals: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def field_of(self, header: str | None) -> str | None:
        """The field a header names (or ``input`` for a rule's input), or None."""
        if header is None:
            return None
        h = norm_header(header, self.units)
        return self.fields.get(h) or ("input" if h in self.inputs or norm_header(header) in self.inputs else None)

    def column_key(self, header: str) -> str:
        """What a column holds, for lining up the tables of a roster: a field and the unit in its
        header (申报金额 and 奖补金额（元） are one column, 补贴资金（万元） another), the inputs it
        names (年度实现家庭增收 is 通过发展庭院经济当年户增收), or the header itself."""
        f = self.field_of(header)
        if f == "input":
            return "input:" + self.inputs.get(norm_header(header), self.inputs.get(norm_header(header, self.units), header))
        if f is None or f == "known":
            return "raw:" + header
        m = _PAREN_UNIT.search(norm_header(header))
        unit = m.group(1) if m and m.group(1) in self.units and m.group(1) != YUAN else ""
        return f"field:{f}:{unit}"

    def is_unit(self, text: str) -> bool:
        """A cell of a units row under the header: 元, （元）, 万元, 亩 …"""
        t = norm_header(text).strip("()")
        return t in self.units


_WORDS: dict[int, tuple[weakref.ref, HeaderWords]] = {}  # id(yr) → its words, while it lives


def header_words(yr: YearRules | None) -> HeaderWords:
    """The :class:`HeaderWords` of a year's rules (the template's words alone when ``yr`` is None);
    worked out once per YearRules."""
    return per_object(_WORDS, yr, lambda: _header_words(yr)) if yr is not None else _header_words(None)


def _header_words(yr: YearRules | None) -> HeaderWords:
    units = {YUAN, WAN_YUAN, PERCENT}
    if yr is not None:
        units.update(u for spelt in yr.vocabulary.unit_spellings().values() for u in spelt)
    units_n = frozenset(norm_header(u) for u in units)
    fields = {norm_header(w): f for f, words in reversed(list(field_words(yr).items())) for w in words}
    named: dict[str, set[str]] = {}
    if yr is not None:
        for rule in yr.rules.values():
            for name, texts in rule_columns(rule, yr.vocabulary).items():
                for t in texts:
                    named.setdefault(norm_header(t), set()).add(f"{rule.id}:{name}")
    inputs = {h: "|".join(sorted(v)) for h, v in named.items()}
    roster = yr.vocabulary.roster if yr is not None else None
    words = HeaderWords(fields=fields, inputs=inputs, units=units_n,
                        totals=tuple(_compact(w) for w in roster.totals) if roster else (),
                        notes=tuple(_compact(w) for w in roster.notes) if roster else ())
    return words


def _compact(text: str) -> str:
    """NFKC, no blanks: how a 合计 or 制表人 cell is compared (合  计 is 合计)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def map_columns(columns: list[str], yr: YearRules, source: str = "<roster>", required: tuple[str, ...] | list[str] = tuple(REQUIRED)) -> ColumnMap:
    """Map headers to fields and rule inputs.

    Args:
        required: the fields that must have a column (default :data:`REQUIRED`; the audit first
            asks for 姓名 and 申报金额 alone, then fills in the roster-level facts).

    Raises:
        InputError: a required column (姓名, 主体类型, 项目, 申报金额) is missing; the message names it.
    """
    normed = {c: norm_header(c) for c in columns}
    fixed: dict[str, str] = {}
    fixed_normed = {c: norm_header(c, _FIXED_UNITS) for c in columns}
    words = field_words(yr)
    for fieldname, names in words.items():
        wanted = [norm_header(n) for n in names]
        for w in wanted:
            hit = next((c for c in columns if fixed_normed[c] == w), None)
            if hit is not None:
                fixed[fieldname] = hit
                break
    # two headers for one field (姓名 and 户主姓名, 申报金额 and 申报金额（元）): one would go unread
    twice = []
    for fieldname, names in words.items():
        if fieldname in ("known", "serial"):
            continue
        wanted = {norm_header(n) for n in names}
        hits = [c for c in columns if normed[c] in wanted or fixed_normed[c] in wanted]
        if len(hits) > 1:
            twice.append(Problem(source=source, field=hits[1], message=_t(
                f"表头 {'、'.join(f'“{h}”' for h in hits)} 都是“{names[0]}”列：只能保留一列，请删除或改名其余的",
                f"headers {', '.join(repr(h) for h in hits)} all name the column {names[0]!r}: keep one, remove or rename the others")))
    if twice:
        raise InputError(twice)
    extra = {f: fixed.pop(f) for f in ("serial", "tier") if f in fixed}
    known_col = fixed.pop("known", None)
    missing = [f for f in required if f not in fixed]
    if missing:
        problems = [
            Problem(source=source, field=FIXED_COLUMNS[f][0], message=_t(
                f"缺少必填列“{FIXED_COLUMNS[f][0]}”（也可写作：{'、'.join(w for w in words[f][1:] if not w.isascii())}）；表头为：{'、'.join(columns)}"
                + ("；若整张名册只有一个奖补项目，可用 --rule 指定" if f in ("rule", "subject") else ""),
                f"required column {FIXED_COLUMNS[f][0]!r} (or {FIXED_COLUMNS[f][1]!r}) is missing; the header is: {', '.join(columns)}"
                + ("; a roster of one subsidy may name it with --rule" if f in ("rule", "subject") else "")))
            for f in missing
        ]
        raise InputError(problems)
    claimed = norm_header(fixed["claimed"]) if "claimed" in fixed else ""
    claimed_unit = WAN_YUAN if claimed and norm_header(claimed, {WAN_YUAN}) != claimed else YUAN
    used = set(fixed.values())
    inputs: dict[str, dict[str, list[str]]] = {}
    other_unit: dict[str, dict[str, list[str]]] = {}
    bare = {c: _PAREN_UNIT.sub("", normed[c]) for c in columns if _PAREN_UNIT.search(normed[c])}
    for rid, rule in yr.rules.items():
        per: dict[str, list[str]] = {}
        for name, texts in rule_columns(rule, yr.vocabulary).items():
            keys = [norm_header(t) for t in texts]
            cols = [c for k in keys for c in columns if normed[c] == k and c not in fixed.values()]
            per[name] = list(dict.fromkeys(cols))
            used.update(cols)
            if not cols and bare:
                other = [c for c, b in bare.items() if b in keys and c not in fixed.values()]
                if other:
                    other_unit.setdefault(rid, {})[name] = other
        inputs[rid] = per
    used.update(extra.values())
    known_words = {norm_header(w) for w in words.get("known", [])}
    known = [c for c in columns if c not in used and (c == known_col or fixed_normed[c] in known_words)]
    unused = [c for c in columns if c not in used and c not in known]
    # an unused header close to one the audit reads: did you mean …?
    readable = [w for f, ws in words.items() if f != "known" for w in ws if not w.isascii()]
    readable += [spec.label.zh for r in yr.rules.values() for spec in r.inputs]
    by_key = {norm_header(w): w for w in reversed(readable)}
    suggest = {}
    for c in unused:
        hit = difflib.get_close_matches(norm_header(c, _FIXED_UNITS), list(by_key), n=1, cutoff=0.75)
        if hit:
            suggest[c] = by_key[hit[0]]
    return ColumnMap(fixed=fixed, inputs=inputs, unused=unused, claimed_unit=claimed_unit, extra=extra, known=known, suggest=suggest,
                     other_unit=other_unit)


def resolve_rule(yr: YearRules, raw: str) -> str | None:
    """The rule a roster cell names (``pack.semantics.resolve_rule``, the one reading)."""
    return semantics.resolve_rule(yr.rules, raw)


def not_a_roster(columns: list[str], yr: YearRules | None = None) -> dict[str, str] | None:
    """Why a sheet with these headers is not a roster (it lacks every required column), or None."""
    normed = {norm_header(c, _FIXED_UNITS) for c in columns}
    words = field_words(yr)
    found = [f for f in REQUIRED if any(norm_header(n) in normed for n in words[f])]
    if found:
        return None
    need = "、".join(FIXED_COLUMNS[f][0] for f in REQUIRED)
    return _t(f"第一行不是名册表头（没有 {need} 中的任何一列）", f"its first row is not a roster header (none of {', '.join(FIXED_COLUMNS[f][1] for f in REQUIRED)})")
