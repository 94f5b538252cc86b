"""Audit a roster (奖补名册): the stages in order.

``read`` (files → text cells, each table's header found under its title and its 合计, blank and
signature rows set aside: ``read.read_roster``, ``layout``) → ``columns`` (headers → fields and
rule inputs) → ``spelling`` (三隔 is 三格式) and ``facts`` (a roster of one subsidy: its title names
it) → ``scope`` (the conditions the roster carries; the others are named, not invented) →
``frame`` (the fixed columns and the applicant numbering, once) → ``compute`` (the
vectorised path, the reference engine for what it cannot do) → ``checks`` (the passes across
rows) → ``reasons`` (statuses, the reference engine's explanations, the problem list) →
``summaries`` (totals and the pack's report tables) → an :class:`AuditReport` that ``writers``
write. Every input row appears in the report once, in order.

Money is Decimal 元 or integer 分, never float: cells are read as text. Every number of policy
comes from the rule data. The two computation paths agree to the 分 (``tests/test_vector.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence

import polars as pl

from ..core.errors import InputError, Problem
from ..core.text import Text
from ..pack.loader import RulePack, YearRules, alternative_years, load_rules
from ..pack.models import RuleGroupReport, TaskReport, TierReport
from .cells import formula_columns, neutralise
from .checks import input_errors, notes, tier_differs, totals_differ
from .columns import ColumnMap, map_columns
from .compute import ENGINES, compute_rows
from .facts import Defaults, Fact, apply_facts
from .frame import base_frame
from .parse import ParseMemo
from .read import Roster, read_roster
from .reasons import issue_frame, plan_explanations, reason_texts, run_explanations, statuses
from .report import STATUSES, AuditReport
from .scope import Scope, roster_scope
from .simulate import compare_readings, recompute_readings
from .spelling import Spelt, group_categories, respell
from .summaries import summaries_from_parts, summary_parts, tier_labels

__all__ = ["AuditParts", "Prepared", "audit", "audit_parts", "beijing_now", "prepare", "skipped_entry"]

ROUNDING = {"zh": "每个奖补项目金额四舍五入（ROUND_HALF_UP）到 0.01 元，只取整一次", "en": "each line rounded once to 0.01 yuan, ROUND_HALF_UP"}


# the columns of a table of rule groups (summaries._rule_group_table)
_GROUP_COLUMNS = {"item": Text(zh="类别 / 项目", en="group / subsidy"), "households": Text(zh="户数", en="households")}


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def beijing_now() -> dt.datetime:
    """Now, in Beijing time (Asia/Shanghai: UTC+8, no summer time since 1991), to the second."""
    try:
        from zoneinfo import ZoneInfo

        zone: dt.tzinfo = ZoneInfo("Asia/Shanghai")
    except Exception:  # no time-zone data on this machine: the fixed offset is the same
        zone = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
    return dt.datetime.now(zone).replace(microsecond=0)


@dataclasses.dataclass
class Prepared:
    """A roster made ready to compute: its columns mapped, its spellings read, its roster-level
    facts filled in, and the rules as it can check them."""

    roster: Roster
    cmap: ColumnMap
    spelt: Spelt
    facts: list[Fact]
    scope: Scope


@dataclasses.dataclass
class AuditParts:
    """What the stream path adds up besides the report: the sums the summaries are made of
    (``summaries.summary_parts``), the spreadsheet rows the explanation limit counts (in order:
    ``reasons.Explanations.missing``), the lines the reference engine gave those it explained, and
    the roster-level facts filled in (each with its rows)."""

    summary: list[pl.DataFrame]
    missing_rows: list[int]
    explained_lines: int
    facts: list[Fact] = dataclasses.field(default_factory=list)


def prepare(roster: Roster, yr: YearRules, defaults: Defaults | None = None) -> Prepared:
    """Map a roster's columns, read its spellings, fill in its roster-level facts and work out what
    it can check (``columns``, ``spelling``, ``facts``, ``scope``).

    Raises:
        InputError: a table lacks 姓名 or 申报金额 (its file and sheet named), a roster-level fact
            cannot be worked out, or a command-line default names nothing.
    """
    from .columns import REQUIRED

    first = [f for f in REQUIRED if f in ("name", "claimed")]
    for t in roster.tables:  # each table on its own: the message names its file and sheet
        map_columns(t.columns, yr, Path(t.file).name + (f"[{t.sheet}]" if t.sheet else ""), required=first)
    cmap0 = map_columns(roster.frame.columns, yr, roster.source, required=first)
    spelt = respell(roster.frame, cmap0, yr, kinds=("rule", "subject", "choice"))
    roster, facts = apply_facts(dataclasses.replace(roster, frame=spelt.frame), yr, defaults)
    cmap = map_columns(roster.frame.columns, yr, roster.source)
    spelt.frame = roster.frame
    spelt = group_categories(respell(roster.frame, cmap, yr, kinds=("category",), spelt=spelt), cmap, yr)
    if spelt.frame is not roster.frame:
        roster = dataclasses.replace(roster, frame=spelt.frame)
    for col in list(spelt.originals):  # a column added by a fact has no cells as written
        if col not in roster.frame.columns:
            del spelt.originals[col]
    return Prepared(roster=roster, cmap=cmap, spelt=spelt, facts=facts, scope=roster_scope(yr, cmap))


def audit(
    roster: Roster | Path | str | Sequence[Path | str],
    pack: RulePack | None = None,
    *,
    year: int | None = None,
    lang: str = "zh",
    engine: str = "vector",
    explain: bool = False,
    explain_limit: int | None = 1000,
    progress: Callable[[str, int, int], None] | None = None,
    readings: bool = True,
    defaults: Defaults | None = None,
) -> AuditReport:
    """Recompute a roster, compare with the claimed amounts, check across rows and summarise.

    Args:
        roster: a Roster or a path to read.
        pack: the rule pack (default: the bundled one).
        year: the year whose rules apply (default: the pack's latest).
        lang: "zh" or "en" for reasons and messages.
        engine: "vector" (polars, falling back per applicant group) or "reference".
        explain: give every row a reason from the reference engine, not only problem rows.
        explain_limit: at most this many problem rows (the first, in input order) get the
            reference engine's explanation; the others get a shorter reason (status and
            amounts). ``None``, or ``explain=True``, explains every row that needs it.
        progress: called as ``progress(stage, done, total)``.
        readings: also recompute the rows each contested reading can move, under each of its
            alternatives (the report's ``readings`` table, sheet 争议口径影响).
        defaults: the roster-level facts the command line gives (``--rule``, ``--subject``,
            ``--category``).

    Returns:
        The AuditReport; its rows are the roster's rows, in order, exactly once.

    Raises:
        InputError: unreadable file, missing required column (file and column named) or an
            unknown engine.
    """
    return audit_parts(roster, pack, year=year, lang=lang, engine=engine, explain=explain, explain_limit=explain_limit, progress=progress,
                       readings=readings, defaults=defaults)[0]


def audit_parts(
    roster: Roster | Path | str | Sequence[Path | str],
    pack: RulePack | None = None,
    *,
    year: int | None = None,
    lang: str = "zh",
    engine: str = "vector",
    explain: bool = False,
    explain_limit: int | None = 1000,
    progress: Callable[[str, int, int], None] | None = None,
    readings: bool = True,
    defaults: Defaults | None = None,
    defer_explanations: bool = False,
) -> tuple[AuditReport, AuditParts]:
    """:func:`audit`, and what the stream path adds up of each partition (:class:`AuditParts`).
    With ``defer_explanations`` no problem row the limit counts is explained by the reference
    engine: each gets the short reason, without the note of the limit (the stream path explains the
    roster's first ones afterwards, on their applicants' rows, and notes the limit if the roster
    passes it)."""
    if engine not in ENGINES:
        raise InputError([Problem(source="engine", field="engine", message={
            "zh": f"未知计算路径“{engine}”；可选：{'、'.join(ENGINES)}", "en": f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}"})])
    pack = pack or load_rules()
    full_yr = pack.for_year(pack.latest_year if year is None else year)
    if not isinstance(roster, Roster):
        roster = read_roster(roster, yr=full_yr)
    tick = progress or _quiet
    prep = prepare(roster, full_yr, defaults)
    roster, cmap, scope = prep.roster, prep.cmap, prep.scope
    yr = scope.yr  # the rules as this roster can check them
    n = roster.frame.height
    tick("read", n, n)

    base = base_frame(roster, cmap, yr)
    # The checks across rows need only the fixed columns: they run in a thread (polars releases the
    # GIL) beside the computation, whose Python parts would leave a core idle; so do the
    # reference engine's explanations beside the summaries.
    # The contested readings recompute the rows they can move from the fixed columns alone: they
    # start now, beside the computation, and are compared with it once it is done.
    with (ThreadPoolExecutor(max_workers=1) as side, ThreadPoolExecutor(max_workers=1) as explainer,
          ThreadPoolExecutor(max_workers=1) as reader):
        fixed = base
        alternatives = ({k: scope.apply(v) for k, v in alternative_years(full_yr).items()}
                        if readings and full_yr.alternatives and yr is not full_yr else None)
        # the rows the reference parser reads, read once for this computation and the readings alike
        memo = ParseMemo(yr, cmap) if readings and full_yr.alternatives else None
        reruns = reader.submit(recompute_readings, roster, pack, yr, fixed, lang, alternatives, memo) if memo is not None else None
        bad_future = side.submit(input_errors, base, yr, cmap)
        computed = compute_rows(roster, cmap, yr, pack, base, engine, tick, memo)
        base = base.with_columns(computed.status, computed.fen)
        # no amount is recomputed for a line that is undecided or that the document does not quantify
        base = base.with_columns(
            pl.when(pl.col("line_status").is_in(["undecided", "not_quantified"])).then(None).otherwise(pl.col("award_fen")).alias("award_fen"))
        bad_rows = bad_future.result()
        notes_future = side.submit(notes, base, yr, cmap)
        formulas_future = side.submit(formula_columns, roster.frame) if roster.formula_columns is None else None
        st = statuses(base, bad_rows)
        plan = plan_explanations(st, computed, explain, explain_limit, defer_explanations)
        lines_before = plan.lines_explained
        explained = explainer.submit(run_explanations, plan, roster, cmap, yr, pack, computed, tick) if plan.jobs else None
        tier = tier_labels(st, computed.tier)
        parts = summary_parts(st.with_columns(tier), yr, lang)
        summaries, texts, status_counts = summaries_from_parts(parts, yr, lang, "file" in st.columns)
        if explained is not None:
            explained.result()
        cross_notes = notes_future.result() + [tier_differs(st, tier, roster.frame, cmap, yr)]
        reading_table = compare_readings(reruns.result(), fixed, computed.status, computed.fen) if reruns is not None else None
        memo = None  # its rows need not outlive the readings
        formulas = formulas_future.result() if formulas_future is not None else roster.formula_columns

    wanted, reasons = reason_texts(st, plan, computed, bad_rows, lang, explain_limit)
    reason = pl.repeat(None, n, dtype=pl.String, eager=True).alias("reason")
    if plan.want:
        reason = reason.scatter(plan.want, pl.Series(reasons, dtype=pl.String))
    st = st.with_columns(reason)
    issues = issue_frame(st, plan, wanted, reasons, computed, bad_rows, cross_notes, cmap, lang)
    totals = totals_differ(roster.totals, lang, "file" in st.columns, "sheet" in st.columns)
    if totals.height:
        issues = pl.concat([issues, totals.select(issues.columns)], how="vertical_relaxed")
    st = st.with_columns(tier)

    stamp = {
        "tool": "xingxian-subsidy",
        "rule_pack": pack.label,
        "year": yr.year,
        "sources": [d.source_text for d in yr.documents.values()],
        "input_file": roster.source,
        "input_sha256": roster.sha256,
        "input_format": roster.file_format,
        # every file handed over, what became of it, and its SHA-256
        "inputs": [{"file": f.path, "status": f.status, "rows": f.rows, **({"sha256": f.sha256} if f.sha256 else {}),
                    **({"format": f.format} if f.format else {}), **({"note": f.note[lang]} if f.note else {})} for f in roster.files],
        "rows": n,
        "engine": engine,
        "generated_at": beijing_now().isoformat(),
        "time_zone": "Asia/Shanghai",
        "unused_columns": cmap.unused,
        **({"did_you_mean": cmap.suggest} if cmap.suggest else {}),
        # every sheet of a workbook and what became of it (read, empty, not a roster)
        "sheets": [{**({"file": i.file} if len(roster.files) > 1 and i.file else {}), "name": i.name, "hidden": i.hidden, "status": i.status,
                    "rows": i.rows, **({"note": i.note[lang]} if i.note else {}), **({"title": i.title} if i.title else {}),
                    **({"header_rows": i.header_rows} if i.header_rows else {})}
                   for i in roster.sheets],
        # every row of every table that is not a roster row, with why; each 合计 figure checked
        "skipped": [skipped_entry(k, lang, len(roster.files) > 1) for k in roster.skipped],
        "totals": [_total(t, len(roster.files) > 1) for t in roster.totals],
        "facts": [f.describe(lang) for f in prep.facts],
        "read_as": prep.spelt.read_as,
        "scope": _scope(scope, set(base.get_column("rule").drop_nulls().unique().to_list()), lang),
        "rows_explained_by_engine": plan.lines_explained,
        "problem_rows_without_itemised_reason": plan.unexplained,
        "rounding": ROUNDING[lang],
    }
    fx = cmap.fixed
    df = roster.frame
    keep = ["row", "township", "village", "name", "id_number", "subject_raw", "category_raw", "rule", "rule_raw", "project",
            "claimed_fen", "award_fen", "diff_fen", "status", "reason", "line_status", "tier", "key"] + [c for c in ("file", "sheet") if c in st.columns]
    basis = scope.row_basis(lang)
    note_col = prep.spelt.note_column(lang)
    rows_out = st.select(keep).with_columns(
        pl.col("rule").replace_strict({rid: r.name.get(lang) for rid, r in yr.rules.items()}, default=None).alias("rule_name"),
        pl.col("rule").replace_strict(basis, default=None, return_dtype=pl.String).alias("basis"),
        note_col if note_col is not None else pl.lit(None, dtype=pl.String).alias("notes"))
    # the cells as written where a spelling was read as its word (三隔, 监测户)
    originals = prep.spelt.originals
    for out_col, fieldname in (("subject_raw", "subject"), ("category_raw", "category"), ("rule_raw", "rule")):
        if fx.get(fieldname) in originals:
            rows_out = rows_out.with_columns(originals[fx[fieldname]].alias(out_col))
    quantities = df.select([originals[c].alias(c) if c in originals else pl.col(c) for c in df.columns if c not in fx.values()])
    rows_out = pl.concat([rows_out, quantities.rename({c: f"q:{c}" for c in quantities.columns})], how="horizontal")
    sources = {"township": fx.get("township"), "village": fx.get("village"), "name": fx.get("name"), "id_number": fx.get("id_number"),
               "subject_raw": fx.get("subject"), "category_raw": fx.get("category"), "rule_raw": fx.get("rule"), "project": fx.get("project"),
               **{f"q:{c}": c for c in quantities.columns}}
    # and the columns written in the audit's own words (rule ids and names, status words)
    own_words = {"rule": list(yr.rules), "rule_name": [r.name.get(lang) for r in yr.rules.values()], "status": [v.get(lang) for v in STATUSES.values()],
                 "basis": list(basis.values())}
    formula_free = frozenset([*(out for out, src in sources.items() if src not in (formulas or ())),
                              *(c for c, words in own_words.items() if all(neutralise(w) == w for w in words))])
    reports = {rid: r for rid, (_, r) in yr.reports.items()}
    text_titles = [r.text_title for r in reports.values() if isinstance(r, (TierReport, RuleGroupReport)) and r.text_title is not None]
    column_titles: dict[str, dict[str, Text]] = {rid: {"task": r.task_column} for rid, r in reports.items() if isinstance(r, TaskReport)}
    column_titles.update({rid: _GROUP_COLUMNS for rid, r in reports.items() if isinstance(r, RuleGroupReport)})
    return AuditReport(
        rows=rows_out, issues=issues, summaries=summaries, stamp=stamp, texts=texts, lang=lang, formula_free=formula_free,
        status_counts=status_counts,
        summary_titles={rid: r.title for rid, r in reports.items()},
        column_titles=column_titles,
        texts_title=text_titles[0] if text_titles else None, readings=reading_table,
        reports={rid: r for rid, r in reports.items()}, year=yr.year, title=pack.title.get(lang),
    ), AuditParts(parts, st.get_column("row").gather(plan.missing).to_list() if plan.missing else [], plan.lines_explained - lines_before, prep.facts)


def skipped_entry(k: Any, lang: str, several_files: bool) -> dict[str, Any]:
    """A row or run of rows set aside (``layout.Skipped``) as the stamp names it."""
    return {**({"file": Path(k.file).name} if several_files and k.file else {}), **({"sheet": k.sheet} if k.sheet else {}),
            "rows": str(k.first) if k.first == k.last else f"{k.first}-{k.last}", "kind": k.kind, "reason": k.reason(lang)}


def _total(t: Any, several_files: bool) -> dict[str, Any]:
    from ..core.money import num_text

    return {**({"file": Path(t.file).name} if several_files and t.file else {}), **({"sheet": t.sheet} if t.sheet else {}),
            "row": t.row, "label": t.label, "column": t.column, "stated": num_text(t.stated),
            "sum_of_rows": num_text(t.summed) if t.summed is not None else None, "rows": t.rows, "agrees": t.ok}


def _scope(scope: Scope, present: set[str], lang: str) -> list[dict[str, Any]]:
    """Per rule on the roster: what its amount was computed from, the conditions checked (and on
    which column) and those not checked."""
    out = []
    basis = scope.basis(lang)
    for rid in scope.yr.rules:
        if rid not in present:
            continue
        out.append({"rule": rid, "name": scope.yr.rules[rid].name.get(lang), "amount_from": scope.amount_from.get(rid, []),
                    "checked": [{"condition": c.label.get(lang), "columns": cols} for c, cols in scope.checked.get(rid, [])],
                    "not_checked": [c.label.get(lang) for c in scope.unchecked.get(rid, [])], "basis": basis[rid]})
    return out
