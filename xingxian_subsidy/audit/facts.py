"""Roster-level facts: what a whole roster (or one of its tables) says once, filled into the rows
that do not say it themselves.

A township's roster for one subsidy — 附件8's 农户奖补名册 — has no 项目 or 主体类型 column: its
title says which subsidy it is, and every row is a household. So:

* a table without a rule column is a roster of the subsidy its title names (or its sheet's or
  file's name: ``roster.yaml``'s ``forms``, when exactly one subsidy is named), or of ``--rule``;
* a table without a subject column is of ``--subject``, or of the one subject type its rows'
  subsidy is for (a rule for households alone: 农户);
* ``--rule``, ``--subject`` and ``--category`` also fill the blank cells of a column that exists.

Each fact is reported (the stamp's ``facts``: which table, which field, what value, from what).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import InputError, Problem
from ..pack.loader import YearRules
from ..pack.models import RosterForm
from ..pack.semantics import forms_named, near_miss, resolve_category, resolve_rule, resolve_subject, spelling_key
from .columns import FIXED_COLUMNS, header_words
from .read import Roster

__all__ = ["Defaults", "Fact", "apply_facts", "resolve_defaults", "rows_without_column", "table_spans"]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass(frozen=True)
class Defaults:
    """What the command line says of the whole roster (``--rule``, ``--subject``, ``--category``),
    as typed: a rule id or name (or a spelling of one), a subject or category word."""

    rule: str | None = None
    subject: str | None = None
    category: str | None = None


@dataclass
class Fact:
    """A fact filled into rows: the table (file, sheet), the field, the value (the rule's,
    subject's or category's zh word), where it comes from (``option``, ``title``, ``rule``: the
    only subject type the rule is for) and the words it was read from (a title)."""

    file: str
    sheet: str | None
    field: str
    value: str
    source: str
    text: str | None = None
    form: RosterForm | None = None
    rows: int = 0

    def describe(self, lang: str) -> str:
        where = Path(self.file).name + (f"[{self.sheet}]" if self.sheet else "")
        names = {"rule": ("奖补项目", "subsidy"), "subject": ("主体类型", "subject"), "category": ("农户类型", "category")}[self.field]
        if lang == "zh":
            why = {"option": "命令行指定", "title": f"按表名“{self.text}”" + (f"（{self.form.section}）" if self.form else ""),
                   "rule": "该奖补项目只适用于这一主体类型"}[self.source]
            return f"{where}：{names[0]}为“{self.value}”（{why}，{self.rows} 行）"
        why = {"option": "given on the command line", "title": f"from the title {self.text!r}" + (f" ({self.form.section})" if self.form else ""),
               "rule": "the subsidy is for this subject type only"}[self.source]
        return f"{where}: {names[1]} is {self.value!r} ({why}; {self.rows} rows)"


def resolve_defaults(defaults: Defaults, yr: YearRules) -> dict[str, str]:
    """The command line's words as the zh words of a rule, subject and category (a spelling the
    pack knows read as its word).

    Raises:
        InputError: a word that names nothing, with the nearest word if there is one.
    """
    out: dict[str, str] = {}
    problems = []
    spellings = yr.vocabulary.roster.values
    if defaults.rule:
        rid = resolve_rule(yr.rules, defaults.rule) or spellings.get("rule", {}).get(defaults.rule) or \
            next((w for k, w in spellings.get("rule", {}).items() if spelling_key(k) == spelling_key(defaults.rule)), None)
        rid = resolve_rule(yr.rules, rid) if rid else None
        if rid is None:
            hint = near_miss(defaults.rule, [*yr.rules, *(r.name.zh for r in yr.rules.values())])
            problems.append(Problem(source="--rule", field="--rule", message=_t(
                f"未知奖补项目“{defaults.rule}”" + (f"，是否应为“{hint}”？" if hint else "；用 `xingxian-subsidy rules list` 查看"),
                f"unknown rule {defaults.rule!r}" + (f"; did you mean {hint!r}?" if hint else "; see `xingxian-subsidy rules list`"))))
        else:
            out["rule"] = yr.rules[rid].name.zh
    for key, resolve in (("subject", resolve_subject), ("category", resolve_category)):
        raw = getattr(defaults, key)
        if not raw:
            continue
        word = raw if resolve(yr.vocabulary, raw) is not None or (key == "category" and raw in yr.vocabulary.groups) else \
            spellings.get(key, {}).get(raw)
        if word is None:
            items = yr.vocabulary.subjects if key == "subject" else yr.vocabulary.categories
            words = [w for it in items for w in it.names]
            hint = near_miss(raw, words)
            label = ("主体类型", "subject type") if key == "subject" else ("农户类型", "household category")
            problems.append(Problem(source=f"--{key}", field=f"--{key}", message=_t(
                f"未知{label[0]}“{raw}”" + (f"，是否应为“{hint}”？" if hint else f"；可选：{'、'.join(it.label.zh for it in items)}"),
                f"unknown {label[1]} {raw!r}" + (f"; did you mean {hint!r}?" if hint else ""))))
        else:
            out[key] = word
    if problems:
        raise InputError(problems)
    return out


def _title_rule(forms: list[RosterForm], texts: list[str]) -> tuple[str | None, RosterForm | None, str | None]:
    """The rule a table's title (else its sheet's, else its file's name) names, the form and the
    words; no rule when the first words to name a form name several subsidies."""
    for text in texts:
        for line in (text or "").splitlines():  # each cell of a title on its own (the title, a 填报单位 row)
            named = forms_named(forms, line)
            if not named:
                continue
            rules = {r for f in named for r in f.rules}
            return (next(iter(rules)) if len(rules) == 1 else None), named[0], line
    return None, None, None


def apply_facts(roster: Roster, yr: YearRules, defaults: Defaults | None = None) -> tuple[Roster, list[Fact]]:
    """The roster with each table's roster-level facts filled in (see the module's docstring).

    Raises:
        InputError: a table with no rule column whose title names no one subsidy, and no
            ``--rule``: the message names the table and how to say which subsidy it is.
    """
    given = resolve_defaults(defaults, yr) if defaults is not None else {}
    words = header_words(yr)
    df = roster.frame
    facts: list[Fact] = []
    tables = roster.tables or []
    spans = table_spans(roster)

    def column_of(fieldname: str, columns: list[str]) -> str | None:
        return next((c for c in columns if words.field_of(c) == fieldname), None)

    roster_columns = list(df.columns)
    problems: list[Problem] = []
    # the rule: a table without a rule column is a roster of the subsidy its title names
    rule_col = column_of("rule", roster_columns)
    per_row_rule: list[tuple[int, int, str]] = []
    for k, (a, b) in enumerate(spans):
        t = tables[k] if k < len(tables) else None
        cols = t.columns if t is not None else roster_columns
        if column_of("rule", cols) is not None:
            continue
        texts = [t.title, t.sheet or "", Path(t.file).stem] if t is not None else [Path(roster.source).stem]
        rid, form, text = _title_rule(yr.vocabulary.roster.forms, texts)
        where = (Path(t.file).name + (f"[{t.sheet}]" if t.sheet else "")) if t is not None else roster.source
        if "rule" in given:
            per_row_rule.append((a, b, given["rule"]))
            facts.append(Fact(t.file if t else roster.source, t.sheet if t else None, "rule", given["rule"], "option", rows=b - a))
        elif rid is not None:
            name = yr.rules[rid].name.zh
            per_row_rule.append((a, b, name))
            facts.append(Fact(t.file if t else roster.source, t.sheet if t else None, "rule", name, "title", text, form, rows=b - a))
        elif b > a:
            named = f"（表名“{text}”可能是：{'、'.join(yr.rules[r].name.zh for f in forms_named(yr.vocabulary.roster.forms, text or '') for r in f.rules)}）" if text else ""
            problems.append(Problem(source=where, field=FIXED_COLUMNS["rule"][0], message=_t(
                f"没有“{FIXED_COLUMNS['rule'][0]}”列，也无法从表名判断是哪一项奖补{named}：请加一列“项目”，或用 --rule 指定整张名册的奖补项目",
                f"no {FIXED_COLUMNS['rule'][1]!r} column, and the title names no one subsidy: add a column 项目, or name the roster's subsidy with --rule")))
    if problems:
        raise InputError(problems)
    df, rule_col = _filled(df, "rule", rule_col, per_row_rule, given, roster.source, facts)
    # the subject: --subject, else the one subject type the row's subsidy is for
    subj_col = column_of("subject", list(df.columns))
    rules = df.get_column(rule_col) if rule_col is not None and rule_col in df.columns else None
    per_row_subject: list[tuple[int, int, object]] = []
    labels = {s.id: s.label.zh for s in yr.vocabulary.subjects}
    only = {rid: labels[r.subjects[0]] for rid, r in yr.rules.items() if len(r.subjects) == 1 and r.subjects[0] in labels}
    for k, (a, b) in enumerate(spans):
        t = tables[k] if k < len(tables) else None
        cols = t.columns if t is not None else roster_columns
        if column_of("subject", cols) is not None or b == a:
            continue
        if "subject" in given:
            per_row_subject.append((a, b, given["subject"]))
            facts.append(Fact(t.file if t else roster.source, t.sheet if t else None, "subject", given["subject"], "option", rows=b - a))
        elif rules is not None:
            part = rules.slice(a, b - a)
            ids = {r: resolve_rule(yr.rules, r) for r in part.drop_nulls().unique().to_list()}
            subj = part.replace_strict({r: only.get(i) if i else None for r, i in ids.items()}, default=None, return_dtype=pl.String)
            per_row_subject.append((a, b, subj))
            for word in subj.drop_nulls().unique(maintain_order=True).to_list():
                facts.append(Fact(t.file if t else roster.source, t.sheet if t else None, "subject", word, "rule", rows=int((subj == word).sum())))
    df, subj_col = _filled(df, "subject", subj_col, per_row_subject, given, roster.source, facts)
    # the category: --category fills every row that gives none
    if "category" in given:
        cat_col = column_of("category", list(df.columns)) or FIXED_COLUMNS["category"][0]
        n0 = df.get_column(cat_col).null_count() if cat_col in df.columns else df.height
        df = df.with_columns((pl.col(cat_col).fill_null(given["category"]) if cat_col in df.columns else pl.lit(given["category"])).alias(cat_col))
        if n0:
            facts.append(Fact(roster.source, None, "category", given["category"], "option", rows=n0))
    if df is roster.frame:
        return roster, facts
    import dataclasses

    return dataclasses.replace(roster, frame=df), facts


def table_spans(roster: Roster) -> list[tuple[int, int]]:
    """The frame rows of each table of the roster (``roster.tables``), as [start, end) spans; one
    span for a roster built in memory."""
    spans: list[tuple[int, int]] = []
    start = 0
    for t in roster.tables or []:
        spans.append((start, start + t.rows))
        start += t.rows
    if not roster.tables or start != roster.frame.height:
        return [(0, roster.frame.height)]
    return spans


def rows_without_column(roster: Roster, yr: YearRules, fieldname: str) -> list[bool]:
    """Per frame row: its table had no column for ``fieldname`` (a value there, if any, is a
    roster-level fact filled in by :func:`apply_facts`, not something the row's writer left blank)."""
    words = header_words(yr)
    tables = roster.tables or []
    spans = table_spans(roster)
    out = [False] * roster.frame.height
    for k, (a, b) in enumerate(spans):
        if k < len(tables) and tables[k].columns and not any(words.field_of(c) == fieldname for c in tables[k].columns):
            out[a:b] = [True] * (b - a)
    return out  # a roster built in memory (no tables) keeps every message: what it had is not known


def _filled(df: pl.DataFrame, fieldname: str, col: str | None, spans: list[tuple[int, int, object]], given: dict[str, str],
            source: str, facts: list[Fact]) -> tuple[pl.DataFrame, str | None]:
    """The frame with ``fieldname``'s column (added if missing) filled per table (``spans``), then
    its blank cells left over given the command line's word, if any (a fact of its own); and the column."""
    if spans:
        col = col or FIXED_COLUMNS[fieldname][0]
        df = _fill(df, col, spans)
    if fieldname in given and col is not None and col in df.columns:
        n0 = df.get_column(col).null_count()
        if n0:
            df = df.with_columns(pl.col(col).fill_null(given[fieldname]))
            facts.append(Fact(source, None, fieldname, given[fieldname], "option", rows=n0))
    return df, col


def _fill(df: pl.DataFrame, col: str, spans: list[tuple[int, int, object]]) -> pl.DataFrame:
    """``col`` (added when missing) with each span of rows given its value (a word, or a Series of
    one per row of the span) where it holds none."""
    current = df.get_column(col) if col in df.columns else pl.repeat(None, df.height, dtype=pl.String, eager=True)
    parts: list[pl.Series] = []
    pos = 0
    for a, b, value in sorted(spans, key=lambda s: s[0]):
        if a > pos:
            parts.append(current.slice(pos, a - pos))
        seg = current.slice(a, b - a)
        fill = value if isinstance(value, pl.Series) else pl.repeat(value, b - a, dtype=pl.String, eager=True)
        parts.append(pl.select(pl.coalesce(seg, fill)).to_series())
        pos = b
    if pos < df.height:
        parts.append(current.slice(pos, df.height - pos))
    filled = pl.concat(parts).alias(col) if parts else current.alias(col)
    return df.with_columns(filled)
