"""Reading roster rows the reference way: every cell through ``engine.parse_value``, every problem
named by row and column. Never stops at a bad row."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Iterable

from ..core.errors import Problem
from ..core.inputforms import normalise_key
from ..core.money import FEN
from ..core.text import Text
from ..engine.applicant import category_not_for, parse_value
from ..engine.models import ApplicantInfo
from ..pack.loader import YearRules
from ..pack.models import InputSpec
from ..pack.semantics import near_miss, resolve_category, resolve_subject
from .columns import ColumnMap, resolve_rule
from .facts import rows_without_column
from .read import Roster
from .spelling import read_as_label

__all__ = ["CLAIMED_SPEC", "CLAIMED_WAN_SPEC", "ParsedRow", "applicant_key", "claimed_yuan", "key_text", "parse_rows"]

# The claimed amount is read as any amount of money an applicant writes; a column headed in 万元
# (申报金额（万元）, as some 公示 tables are) as a number of 万元, to the 分 (six decimals).
CLAIMED_SPEC = InputSpec(name="claimed", label=Text(zh="申报金额", en="amount claimed"), type="money", unit="元")
CLAIMED_WAN_SPEC = InputSpec(name="claimed", label=Text(zh="申报金额", en="amount claimed"), type="decimal", unit="万元")
WAN = Decimal(10000)


def claimed_yuan(raw: str, unit: str) -> tuple[Decimal | None, Text | None]:
    """A claimed amount cell in 元 (or, when its column is in 万元, converted to 元 exactly): (value, None)
    or (None, the message)."""
    if unit == CLAIMED_WAN_SPEC.unit:
        value, msg = parse_value(CLAIMED_WAN_SPEC, raw)
        if msg is not None or value is None:
            return None, msg
        yuan = value * WAN
        if yuan != yuan.quantize(FEN, rounding=ROUND_DOWN):
            return None, Text(zh="以万元填写的金额最多六位小数（到分）", en="an amount in 万元 has at most six decimals (to the fen)")
        return yuan, None
    return parse_value(CLAIMED_SPEC, raw)


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass
class ParsedRow:
    """One roster row parsed the reference way (engine.parse_value for every cell)."""

    index: int
    row: int
    subject: str | None = None
    category: str | None = None
    rule_id: str | None = None
    project: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    claimed: Decimal | None = None
    problems: list[Problem] = field(default_factory=list)
    key: str = ""
    group: tuple = ()
    info: ApplicantInfo | None = None
    where: str = ""  # the row's file and sheet (the source's name when it is one file of one sheet)


def _hint(raw: str, words: list[str], yr: YearRules, kind: str) -> tuple[str, str]:
    """", did you mean …?" for a word not known: the nearest known word or spelling the pack lists
    (a group of categories named where the subsidy needs the category itself says so)."""
    if kind == "category" and raw.strip() in yr.vocabulary.groups:
        members = "、".join(c.label.zh for c in yr.vocabulary.categories if c.id in yr.vocabulary.groups[raw.strip()])
        return (f"：这是一组农户类型（{members}），本项目对组内各类型的条件或金额不同，请填写具体类型",
                ": a group of categories, which this subsidy treats differently: give the category itself")
    spellings = yr.vocabulary.roster.values.get(kind, {})
    hit = near_miss(raw, [*words, *spellings])
    if hit is None:
        return "", ""
    if hit in spellings:  # a spelling the pack accepts (非贫困户, 双翁): said with the word it is read as
        zh, en = read_as_label(kind, spellings[hit], yr, "zh"), read_as_label(kind, spellings[hit], yr, "en")
        if zh != hit:
            return f"，是否应为“{hit}”（按“{zh}”读）？", f"; did you mean {hit!r} (read as {en!r})?"
    return f"，是否应为“{hit}”？", f"; did you mean {hit!r}?"


def key_text(raw: str | None) -> str | None:
    """A name, village, township or ID as it identifies an applicant (``inputforms.normalise_key``:
    NFKC, invisible characters removed): 王\u200b建国 is 王建国, １４１１… is 1411…"""
    return normalise_key(raw)


def applicant_key(id_number: str | None, name: str | None, village: str | None) -> str:
    """身份证号 (upper case) if given, else 姓名 + 村 — each normalised by :func:`key_text`."""
    idn = key_text(id_number)
    if idn:
        return "id:" + idn.upper()
    return f"nv:{key_text(name) or ''}|{key_text(village) or ''}"


def parse_rows(roster: Roster, cmap: ColumnMap, yr: YearRules, indices: Iterable[int] | None = None) -> list[ParsedRow]:
    """Parse rows (all, or the given frame indices) with the reference parser; never stops at a bad row."""
    df = roster.frame
    subj_labels = "、".join(s.label.zh for s in yr.vocabulary.subjects)
    cat_labels = "、".join(c.label.zh for c in yr.vocabulary.categories)
    out: list[ParsedRow] = []
    idx_list = list(range(df.height)) if indices is None else list(indices)
    cols = df.columns
    col_pos = {c: i for i, c in enumerate(cols)}
    fx = cmap.fixed
    subjects: dict[str, str | None] = {}
    categories: dict[str, str | None] = {}
    rules_: dict[str, str | None] = {}
    # parse_value is pure: each distinct (input, text) is parsed once per call
    memo: dict[tuple[int, str], tuple[Any, Any]] = {}
    claimed_memo: dict[str, tuple[Any, Any]] = {}

    def parse_cell(spec: InputSpec, raw: str) -> tuple[Any, Any]:
        k = (id(spec), raw)
        hit = memo.get(k)
        if hit is None:
            hit = memo[k] = parse_value(spec, raw)
        return hit

    no_subject_column = rows_without_column(roster, yr, "subject")
    # one gather of the wanted rows instead of a DataFrame.row call per row
    recs = df.rows() if indices is None else (df[idx_list].rows() if idx_list else [])
    for i, rec in zip(idx_list, recs):

        def cell(fieldname: str, rec: tuple = rec) -> str | None:
            col = fx.get(fieldname)
            return rec[col_pos[col]] if col is not None else None

        rownum = roster.rows[i]
        pr = ParsedRow(index=i, row=rownum)
        src = roster.file[i] if roster.file is not None else roster.source
        where = src if roster.sheet is None else f"{src}[{roster.sheet[i]}]"
        pr.where = where

        def problem(col: str | None, zh: str, en: str, pr: ParsedRow = pr, rownum: int = rownum, where: str = where) -> None:
            pr.problems.append(Problem(source=where, row=rownum, field=col, message=_t(zh, en)))

        name, village = cell("name"), cell("village")
        if not name:
            problem(fx["name"], "姓名（主体名称）为空", "name is blank")
        raw_subject = cell("subject")
        raw_rule = cell("rule")
        if raw_rule and raw_rule not in rules_:
            rules_[raw_rule] = resolve_rule(yr, raw_rule)
        if not raw_subject:
            # no 主体类型 column in the row's table and a subsidy the pack does not know: the subject
            # would follow from the subsidy, so the subsidy is the one thing to correct (its message below)
            if not (no_subject_column[i] and raw_rule and rules_[raw_rule] is None):
                problem(fx["subject"], f"主体类型为空；可选：{subj_labels}", "subject type is blank")
        else:
            if raw_subject not in subjects:
                subjects[raw_subject] = resolve_subject(yr.vocabulary, raw_subject)
            pr.subject = subjects[raw_subject]
            if pr.subject is None:
                hint = _hint(raw_subject, [w for s in yr.vocabulary.subjects for w in s.names], yr, "subject")
                problem(fx["subject"], f"未知主体类型“{raw_subject}”{hint[0]}；可选：{subj_labels}",
                        f"unknown subject type {raw_subject!r}{hint[1]}; expected one of: {', '.join(s.label.en for s in yr.vocabulary.subjects)}")
        raw_cat = cell("category")
        if raw_cat:
            if raw_cat not in categories:
                categories[raw_cat] = resolve_category(yr.vocabulary, raw_cat)
            pr.category = categories[raw_cat]
            if pr.category is None:
                hint = _hint(raw_cat, [w for c in yr.vocabulary.categories for w in c.names], yr, "category")
                problem(fx.get("category"), f"未知农户类型“{raw_cat}”{hint[0]}；可选：{cat_labels}",
                        f"unknown household category {raw_cat!r}{hint[1]}; expected one of: {', '.join(c.label.en for c in yr.vocabulary.categories)}")
        if pr.category is not None and pr.subject is not None and pr.subject not in yr.vocabulary.household_subjects:
            problem(fx.get("category"), *category_not_for(yr, pr.subject))
        if not raw_rule:
            problem(fx["rule"], "项目为空：应填规则编号或奖补项目名称", "rule is blank: give a rule id or name")
        else:
            pr.rule_id = rules_[raw_rule]
            if pr.rule_id is None:
                hint = _hint(raw_rule, [*yr.rules, *(r.name.zh for r in yr.rules.values())], yr, "rule")
                problem(fx["rule"], f"未知奖补项目“{raw_rule}”{hint[0]}；用 `xingxian-subsidy rules list` 查看",
                        f"unknown rule {raw_rule!r}{hint[1]}; see `xingxian-subsidy rules list`")
        pr.project = cell("project")
        raw_claimed = cell("claimed")
        if raw_claimed is not None:
            hit = claimed_memo.get(raw_claimed)
            if hit is None:
                hit = claimed_memo[raw_claimed] = claimed_yuan(raw_claimed, cmap.claimed_unit)
            value, msg = hit
            if msg is not None:
                problem(fx["claimed"], msg.zh, msg.en)
            else:
                pr.claimed = value
        if pr.rule_id is not None:
            rule = yr.rules[pr.rule_id]
            for spec in rule.inputs:
                for col in cmap.inputs[pr.rule_id].get(spec.name, []):
                    raw = rec[col_pos[col]]
                    if raw is None:
                        continue
                    value, msg = parse_cell(spec, raw)
                    if msg is not None:
                        problem(col, msg.zh, msg.en)
                    else:
                        pr.inputs[spec.name] = value
                    break
        idn = cell("id_number")
        pr.key = applicant_key(idn, name, village)
        pr.group = (pr.key, pr.subject, pr.category)
        if pr.subject is not None and name:
            pr.info = ApplicantInfo(name=key_text(name) or name, subject=pr.subject, category=pr.category, township=key_text(cell("township")),
                                    village=key_text(village), id_number=key_text(idn))
        out.append(pr)
    return out
