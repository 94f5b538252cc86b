"""Reading roster rows the reference way: every cell through ``engine.parse_value``, every problem
named by row and column. Never stops at a bad row."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import cached_property
from typing import Any, Iterable

from ..core.errors import Problem
from ..core.inputforms import normalise_key
from ..core.money import FEN
from ..core.text import Text
from ..engine.applicant import category_not_for, parse_value
from ..engine.models import ApplicantInfo
from ..pack.loader import YearRules
from ..pack.models import InputSpec
from ..pack.semantics import near_miss, resolve_category, resolve_subject, word_maps
from .columns import ColumnMap, resolve_rule
from .facts import rows_without_column
from .read import Roster
from .spelling import read_as_label

__all__ = ["CLAIMED_SPEC", "CLAIMED_WAN_SPEC", "ParseMemo", "ParsedRow", "applicant_key", "claimed_yuan", "key_text", "parse_rows", "reads_rows_alike",
           "same_cell_words"]

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
    # the applicant as read (name, subject, category, township, village, id_number; None without a
    # name or subject): ``info`` is made of it when it is first asked for, most rows never are
    who: tuple | None = None
    where: str = ""  # the row's file and sheet (the source's name when it is one file of one sheet)

    @cached_property
    def info(self) -> ApplicantInfo | None:
        """The applicant, for the reference engine (None without a name or subject)."""
        return None if self.who is None else ApplicantInfo(**dict(zip(APPLICANT_FIELDS, self.who)))


APPLICANT_FIELDS = ("name", "subject", "category", "township", "village", "id_number")  # ParsedRow.who


class ParseMemo:
    """Rows of one roster parsed once, for every computation that reads them alike.

    The audit computes the roster under the rules in force and, beside it, the rows each contested
    reading can move under that reading (``simulate.recompute_readings``); a reading that changes a
    rate or a formula reads every row's cells as the rules in force do, and a roster with many rows
    the vector path cannot read would otherwise send each of them through the parser once per
    reading. Rows are kept by their place in the roster's frame; a subset of the roster (a
    reading's rows) sees them through :meth:`view`. Threads share it: one parses at a time (the
    parser is Python, which runs one thread at a time anyway), so that the others find its rows
    kept rather than parse them too.

    What is kept is never changed by its users (``compute.compute_rows`` makes a new row for a
    problem it adds). A reading's subset keeps the roster's tables while its frame is filtered, so
    whether a row's table had a 主体类型 column is not known there; that matters only for a row whose
    rule is unknown, which no reading's subset holds.
    """

    def __init__(self, yr: YearRules, cmap: ColumnMap) -> None:
        self._yr, self._cmap = yr, cmap
        self._rows: dict[int, ParsedRow] = {}
        self._at: list[int] | None = None  # a view: its row k is the roster's row _at[k]
        self.lock = threading.Lock()  # held while rows are looked up, parsed and kept

    def view(self, yr: YearRules, cmap: ColumnMap, at: list[int] | None = None) -> ParseMemo | None:
        """This memo for a computation under ``yr`` and ``cmap`` over the roster's rows ``at``
        (its row k is the roster's row ``at[k]``; None: the roster itself), or None when ``yr`` or
        ``cmap`` may read a row otherwise (a word, an input or a column that differs). Made from
        the memo of the roster itself, not from a view."""
        if not (cmap == self._cmap and reads_rows_alike(self._yr, yr)):
            return None
        out = ParseMemo(self._yr, self._cmap)
        out._rows, out._at, out.lock = self._rows, at, self.lock
        return out

    def known(self, indices: list[int]) -> dict[int, ParsedRow]:
        """The rows of ``indices`` already parsed (each with its index in this view)."""
        rows, at = self._rows, self._at
        if at is None:
            return {i: p for i in indices if (p := rows.get(i)) is not None}
        return {i: _at_index(p, i) for i in indices if (p := rows.get(at[i])) is not None}

    def keep(self, parsed: list[ParsedRow]) -> None:
        if self._at is None:
            self._rows.update((p.index, p) for p in parsed)
        else:
            at = self._at
            self._rows.update((at[p.index], _at_index(p, at[p.index])) for p in parsed)


def _at_index(p: ParsedRow, index: int) -> ParsedRow:
    """``p`` as the row at ``index`` (a shallow copy; what it holds is only read)."""
    q = object.__new__(ParsedRow)
    q.__dict__.update(p.__dict__)  # (``dataclasses.replace`` runs __init__: several times slower)
    q.index = index
    return q


def same_cell_words(a: YearRules, b: YearRules) -> bool:
    """Whether two sets of rules read a roster's cells alike, so that ``frame.base_frame`` under one
    is the base frame under the other (its columns depend on the rules only through the words of
    subjects, categories and rules and the columns they name): a contested reading changes a
    parameter or a formula, rarely a word."""
    # (the rules in order too: a cell is the first rule whose words it matches, columns.resolve_rule)
    return a.vocabulary == b.vocabulary and list(a.rules) == list(b.rules) and word_maps(a.vocabulary, a.rules) == word_maps(b.vocabulary, b.rules)


def reads_rows_alike(a: YearRules, b: YearRules) -> bool:
    """Whether :func:`parse_rows` reads every row alike under ``a`` and ``b``: the cells' words
    alike (:func:`same_cell_words`), and each rule's name (its did-you-mean hints) and inputs the same."""
    return a is b or (same_cell_words(a, b) and all(r.name == b.rules[rid].name and r.inputs == b.rules[rid].inputs for rid, r in a.rules.items()))


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


def applicant_key(id_key: str | None, name_key: str | None, village_key: str | None) -> str:
    """The applicant a row is of: 身份证号 (upper case) if given, else 姓名 + 村 — each given as
    :func:`key_text` reads its cell."""
    if id_key:
        return "id:" + id_key.upper()
    return f"nv:{name_key or ''}|{village_key or ''}"


def parse_rows(roster: Roster, cmap: ColumnMap, yr: YearRules, indices: Iterable[int] | None = None,
               memo: ParseMemo | None = None) -> list[ParsedRow]:
    """Parse rows (all, or the given frame indices) with the reference parser; never stops at a bad row.

    Everything that depends only on a cell's text (a word's reading and its message, a value, a
    key) is worked out once per distinct text, and each rule's columns are found once: a roster
    repeats its words, and a large one may send many rows here. With ``memo`` (made for ``yr``
    and ``cmap``: :meth:`ParseMemo.view`), a row parsed before is taken from it and a row parsed
    here is kept in it."""
    wanted = list(range(roster.frame.height)) if indices is None else list(indices)
    if memo is None:
        return _parse_rows(roster, cmap, yr, wanted, every=indices is None)
    with memo.lock:
        known = memo.known(wanted)
        fresh = _parse_rows(roster, cmap, yr, [i for i in wanted if i not in known], every=False)
        memo.keep(fresh)
    if not known:
        return fresh
    rest = iter(fresh)
    return [known[i] if i in known else next(rest) for i in wanted]


def _parse_rows(roster: Roster, cmap: ColumnMap, yr: YearRules, idx_list: list[int], every: bool) -> list[ParsedRow]:
    """:func:`parse_rows` of the rows ``idx_list`` (``every``: all rows, in order)."""
    df = roster.frame
    col_pos = {c: i for i, c in enumerate(df.columns)}
    fx = cmap.fixed
    # each rule's inputs with the places of the columns that may hold them, in the order read
    plans: dict[str, list[tuple[InputSpec, list[tuple[str, int]]]]] = {}
    # what a cell's text says, worked out once per text: (value, problem message)
    words: dict[tuple[str, str], tuple[str | None, tuple[str, str] | None]] = {}  # (kind, text) → (id, message)
    rules_: dict[str, tuple[str | None, tuple[str, str]]] = {}
    values: dict[tuple[int, str], tuple[Any, Any]] = {}  # (input, text) → parse_value's answer
    claimed_memo: dict[str, tuple[Any, Any]] = {}
    keys: dict[str | None, str | None] = {None: None}
    wheres: dict[tuple, str] = {}

    def word_of(kind: str, raw: str) -> tuple[str | None, tuple[str, str] | None]:
        """A subject type or household category as written: its id, or the message naming it."""
        items, resolve, zh, en = ((yr.vocabulary.subjects, resolve_subject, "主体类型", "subject type") if kind == "subject"
                                  else (yr.vocabulary.categories, resolve_category, "农户类型", "household category"))
        found = resolve(yr.vocabulary, raw)
        if found is not None:
            return found, None
        hint = _hint(raw, [w for x in items for w in x.names], yr, kind)
        return None, (f"未知{zh}“{raw}”{hint[0]}；可选：{'、'.join(x.label.zh for x in items)}",
                      f"unknown {en} {raw!r}{hint[1]}; expected one of: {', '.join(x.label.en for x in items)}")

    def rule_of(raw: str) -> tuple[str | None, tuple[str, str]]:
        rid = resolve_rule(yr, raw)
        hint = ("", "") if rid is not None else _hint(raw, [*yr.rules, *(r.name.zh for r in yr.rules.values())], yr, "rule")
        return rid, (f"未知奖补项目“{raw}”{hint[0]}；用 `xingxian-subsidy rules list` 查看", f"unknown rule {raw!r}{hint[1]}; see `xingxian-subsidy rules list`")

    def key_of(raw: str | None) -> str | None:
        k = keys.get(raw, keys)
        if k is keys:
            k = keys[raw] = key_text(raw)
        return k  # type: ignore[return-value]

    no_subject_column = rows_without_column(roster, yr, "subject")
    # only the columns read here are taken out of the frame, a row at a time: the fixed fields and
    # the rules' inputs, each at its place in that narrower row (a field absent: the roster has no such column)
    fields = {f: c for f, c in fx.items() if c is not None and c in col_pos}
    read = sorted({*fields.values(), *(c for cols in cmap.inputs.values() for names in cols.values() for c in names if c in col_pos)},
                  key=col_pos.__getitem__)
    df = df.select(read)
    col_pos = {c: k for k, c in enumerate(read)}
    p_name, p_village, p_subject, p_rule, p_category, p_project, p_claimed, p_id, p_township = (
        col_pos[fields[f]] if f in fields else None
        for f in ("name", "village", "subject", "rule", "category", "project", "claimed", "id_number", "township"))
    subject_blank = (f"主体类型为空；可选：{'、'.join(s.label.zh for s in yr.vocabulary.subjects)}", "subject type is blank")
    out: list[ParsedRow] = []
    # one gather of the wanted rows instead of a DataFrame.row call per row
    recs = df.rows() if every else (df[idx_list].rows() if idx_list else [])
    for i, rec in zip(idx_list, recs):
        rownum = roster.rows[i]
        place = (roster.file[i] if roster.file is not None else None, roster.sheet[i] if roster.sheet is not None else None)
        where = wheres.get(place)
        if where is None:
            src = place[0] if place[0] is not None else roster.source
            where = wheres[place] = src if place[1] is None else f"{src}[{place[1]}]"
        pr = ParsedRow(index=i, row=rownum, where=where)
        found: list[tuple[str | None, str, str]] = []  # (column, zh, en) of each problem, in order

        name = rec[p_name] if p_name is not None else None
        village = rec[p_village] if p_village is not None else None
        if not name:
            found.append((fx["name"], "姓名（主体名称）为空", "name is blank"))
        raw_subject = rec[p_subject] if p_subject is not None else None
        raw_rule = rec[p_rule] if p_rule is not None else None
        rule_read = None
        if raw_rule:
            rule_read = rules_.get(raw_rule)
            if rule_read is None:
                rule_read = rules_[raw_rule] = rule_of(raw_rule)
        if not raw_subject:
            # no 主体类型 column in the row's table and a subsidy the pack does not know: the subject
            # would follow from the subsidy, so the subsidy is the one thing to correct (its message below)
            if not (no_subject_column[i] and rule_read is not None and rule_read[0] is None):
                found.append((fx["subject"], *subject_blank))
        else:
            read = words.get(("subject", raw_subject))
            if read is None:
                read = words["subject", raw_subject] = word_of("subject", raw_subject)
            pr.subject = read[0]
            if read[1] is not None:
                found.append((fx["subject"], *read[1]))
        raw_cat = rec[p_category] if p_category is not None else None
        if raw_cat:
            read = words.get(("category", raw_cat))
            if read is None:
                read = words["category", raw_cat] = word_of("category", raw_cat)
            pr.category = read[0]
            if read[1] is not None:
                found.append((fx.get("category"), *read[1]))
        if pr.category is not None and pr.subject is not None and pr.subject not in yr.vocabulary.household_subjects:
            found.append((fx.get("category"), *category_not_for(yr, pr.subject)))
        if rule_read is None:
            found.append((fx["rule"], "项目为空：应填规则编号或奖补项目名称", "rule is blank: give a rule id or name"))
        else:
            pr.rule_id = rule_read[0]
            if pr.rule_id is None:
                found.append((fx["rule"], *rule_read[1]))
        pr.project = rec[p_project] if p_project is not None else None
        raw_claimed = rec[p_claimed] if p_claimed is not None else None
        if raw_claimed is not None:
            hit = claimed_memo.get(raw_claimed)
            if hit is None:
                hit = claimed_memo[raw_claimed] = claimed_yuan(raw_claimed, cmap.claimed_unit)
            value, msg = hit
            if msg is not None:
                found.append((fx["claimed"], msg.zh, msg.en))
            else:
                pr.claimed = value
        if pr.rule_id is not None:
            plan = plans.get(pr.rule_id)
            if plan is None:
                rule = yr.rules[pr.rule_id]
                plan = plans[pr.rule_id] = [(spec, [(c, col_pos[c]) for c in cmap.inputs[pr.rule_id].get(spec.name, []) if c in col_pos]) for spec in rule.inputs]
            for spec, cols in plan:
                for col, at in cols:
                    raw = rec[at]
                    if raw is None:
                        continue
                    k = (id(spec), raw)
                    hit = values.get(k)
                    if hit is None:
                        hit = values[k] = parse_value(spec, raw)
                    value, msg = hit
                    if msg is not None:
                        found.append((col, msg.zh, msg.en))
                    else:
                        pr.inputs[spec.name] = value
                    break
        if found:
            pr.problems = [Problem(source=where, row=rownum, field=col, message=_t(zh, en)) for col, zh, en in found]
        idn, name_key, village_key = key_of(rec[p_id] if p_id is not None else None), key_of(name), key_of(village)
        pr.key = applicant_key(idn, name_key, village_key)
        pr.group = (pr.key, pr.subject, pr.category)
        if pr.subject is not None and name:
            pr.who = (name_key or name, pr.subject, pr.category, key_of(rec[p_township] if p_township is not None else None), village_key, idn)
        out.append(pr)
    return out
