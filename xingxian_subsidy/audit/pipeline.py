"""Audit a roster (奖补名册): the stages in order.

``read`` (a file → text cells, ``read.read_roster``) → ``columns`` (headers → fields and rule
inputs) → ``frame`` (the fixed columns and the applicant numbering, once) → ``compute`` (the
vectorised path, the reference engine for what it cannot do) → ``checks`` (the passes across
rows) → ``reasons`` (statuses, the reference engine's explanations, the problem list) →
``summaries`` (totals and the pack's report tables) → an :class:`AuditReport` that ``writers``
write. Every input row appears in the report once, in order.

Money is Decimal 元 or integer 分, never float: cells are read as text. Every number of policy
comes from the rule data. The two computation paths agree to the 分 (``tests/test_vector.py``).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import polars as pl

from ..core.errors import InputError, Problem
from ..core.text import Text
from ..pack.loader import RulePack, load_rules
from ..pack.models import RuleGroupReport, TaskReport, TierReport
from .cells import formula_columns, neutralise
from .checks import input_errors, notes
from .columns import map_columns
from .compute import ENGINES, compute_rows
from .frame import base_frame
from .read import Roster, read_roster
from .reasons import issue_frame, plan_explanations, reason_texts, run_explanations, statuses
from .report import STATUSES, AuditReport
from .simulate import reading_impacts
from .summaries import summarise, tier_labels

__all__ = ["audit"]

ROUNDING = {"zh": "每个奖补项目金额四舍五入（ROUND_HALF_UP）到 0.01 元，只取整一次", "en": "each line rounded once to 0.01 yuan, ROUND_HALF_UP"}


# the columns of a table of rule groups (summaries._rule_group_table)
_GROUP_COLUMNS = {"item": Text(zh="类别 / 项目", en="group / subsidy"), "households": Text(zh="户数", en="households")}


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def audit(
    roster: Roster | Path | str,
    pack: RulePack | None = None,
    *,
    year: int | None = None,
    lang: str = "zh",
    engine: str = "vector",
    explain: bool = False,
    explain_limit: int | None = 1000,
    progress: Callable[[str, int, int], None] | None = None,
    readings: bool = True,
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

    Returns:
        The AuditReport; its rows are the roster's rows, in order, exactly once.

    Raises:
        InputError: unreadable file, missing required column (file and column named) or an
            unknown engine.
    """
    if engine not in ENGINES:
        raise InputError([Problem(source="engine", field="engine", message={
            "zh": f"未知计算路径“{engine}”；可选：{'、'.join(ENGINES)}", "en": f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}"})])
    pack = pack or load_rules()
    yr = pack.for_year(pack.latest_year if year is None else year)
    if not isinstance(roster, Roster):
        roster = read_roster(roster, yr=yr)
    tick = progress or _quiet
    cmap = map_columns(roster.frame.columns, yr, roster.source)
    n = roster.frame.height
    tick("read", n, n)

    base = base_frame(roster, cmap, yr)
    # The checks across rows need only the fixed columns: they run in a thread (polars releases the
    # GIL) beside the computation, whose Python parts would leave a core idle; so do the
    # reference engine's explanations beside the summaries.
    with ThreadPoolExecutor(max_workers=1) as side, ThreadPoolExecutor(max_workers=1) as explainer:
        bad_future = side.submit(input_errors, base, yr, cmap)
        computed = compute_rows(roster, cmap, yr, pack, base, engine, tick)
        impacts = side.submit(reading_impacts, roster, pack, yr, base, computed.status, computed.fen, lang) if readings and yr.alternatives else None
        base = base.with_columns(computed.status, computed.fen)
        # no amount is recomputed for a line that is undecided or that the document does not quantify
        base = base.with_columns(
            pl.when(pl.col("line_status").is_in(["undecided", "not_quantified"])).then(None).otherwise(pl.col("award_fen")).alias("award_fen"))
        bad_rows = bad_future.result()
        notes_future = side.submit(notes, base, yr, cmap)
        formulas_future = side.submit(formula_columns, roster.frame) if roster.formula_columns is None else None
        st = statuses(base, bad_rows)
        plan = plan_explanations(st, computed, explain, explain_limit)
        explained = explainer.submit(run_explanations, plan, roster, cmap, yr, pack, computed, tick) if plan.jobs else None
        tier = tier_labels(roster, cmap, yr, st, computed.tier)
        summaries, texts, status_counts = summarise(st.with_columns(tier), yr, lang)
        if explained is not None:
            explained.result()
        cross_notes = notes_future.result()
        reading_table = impacts.result() if impacts is not None else None
        formulas = formulas_future.result() if formulas_future is not None else roster.formula_columns

    wanted, reasons = reason_texts(st, plan, computed, bad_rows, lang, explain_limit)
    reason = pl.repeat(None, n, dtype=pl.String, eager=True).alias("reason")
    if plan.want:
        reason = reason.scatter(plan.want, pl.Series(reasons, dtype=pl.String))
    st = st.with_columns(reason)
    issues = issue_frame(st, plan, wanted, reasons, computed, bad_rows, cross_notes, cmap, lang)
    st = st.with_columns(tier)

    stamp = {
        "tool": "xingxian-subsidy",
        "rule_pack": pack.label,
        "year": yr.year,
        "sources": [d.source_text for d in yr.documents.values()],
        "input_file": roster.source,
        "input_sha256": roster.sha256,
        "input_format": roster.file_format,
        "rows": n,
        "engine": engine,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "unused_columns": cmap.unused,
        # every sheet of a workbook and what became of it (read, empty, not a roster)
        "sheets": [{"name": i.name, "hidden": i.hidden, "status": i.status, "rows": i.rows, **({"note": i.note[lang]} if i.note else {})}
                   for i in roster.sheets],
        "rows_explained_by_engine": plan.lines_explained,
        "problem_rows_without_itemised_reason": plan.unexplained,
        "rounding": ROUNDING[lang],
    }
    fx = cmap.fixed
    df = roster.frame
    keep = ["row", "township", "village", "name", "id_number", "subject_raw", "category_raw", "rule", "rule_raw", "project",
            "claimed_fen", "award_fen", "diff_fen", "status", "reason", "line_status", "tier", "key"] + (["sheet"] if "sheet" in st.columns else [])
    rows_out = st.select(keep).with_columns(
        pl.col("rule").replace_strict({rid: r.name.get(lang) for rid, r in yr.rules.items()}, default=None).alias("rule_name"))
    quantities = df.select([pl.col(c) for c in df.columns if c not in fx.values()])
    rows_out = pl.concat([rows_out, quantities.rename({c: f"q:{c}" for c in quantities.columns})], how="horizontal")
    sources = {"township": fx.get("township"), "village": fx.get("village"), "name": fx.get("name"), "id_number": fx.get("id_number"),
               "subject_raw": fx.get("subject"), "category_raw": fx.get("category"), "rule_raw": fx.get("rule"), "project": fx.get("project"),
               **{f"q:{c}": c for c in quantities.columns}}
    # and the columns written in the audit's own words (rule ids and names, status words)
    own_words = {"rule": list(yr.rules), "rule_name": [r.name.get(lang) for r in yr.rules.values()], "status": [v.get(lang) for v in STATUSES.values()]}
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
    )
