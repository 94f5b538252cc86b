"""The vectorised path: the same rule data compiled into polars expressions over exact integers.

For every rule present in a roster, the rule's subject list, conditions (``when``,
``any_of``, ``ratio_of``), formula, uplifts and per-claim caps become polars
expressions over Int128 values: each number is an integer mantissa with a known
decimal scale (a quantity ``12.5`` 亩 is ``125`` at scale 1), so no float is ever
involved. Each line is rounded once to the 分, ROUND_HALF_UP, exactly as
``money.to_fen``. Cross-row limits (once per household, one award per project in an
exclusive group, shared per-household caps) are applied afterwards over applicant
groups in row order, in the engine's order; a tranche (本次兑付 50%) last.

Caps on units shared between rows ("at most 3 头 per household", 鸡+鸭+鹅 ≤ 50 只) come
before the amount, as in the engine: the rules that have them are computed twice — once for
each row's status and the units it counts on its own, then, after the shared caps on units
(``crossrow.staged_caps``) have counted the units of each applicant's rows in row order,
again with the units counted.

The path does only what it can do exactly. A row falls back to the reference engine
(``engine.compute``) — and so does every row of the same applicant — when a cell is
not plain text it recognises (``1,500``, ``１５００``, ``1e3``, a word not in the
boolean list, …), when a value is too large for the exact integer bounds below, or
when its rule uses a construct this module does not compile. A row with an input error
(found by the reference parser, ``roster.parse_rows``) is left to the reference path's
report and, as there, takes part in no cross-row limit: the applicant's other rows stay
here. ``tests/test_vector.py`` proves both paths equal on generated rosters.

Three-valued logic mirrors the engine: a condition or a match is True, False or
None (depends on an input not given); polars ``null`` stands for None.
"""


from __future__ import annotations

from typing import Any

import polars as pl

from ..pack.formulas import (
    TierTable,
    value_parameters,
)
from ..pack.loader import YearRules
from ..pack.rule import Rule
from .columns import ColumnMap
from .compiler import LINE_STATUSES, SCALE, STATUS_CODE, RuleExprs, by_rule, plain_bool_columns, rule_exprs
from .crossrow import CapPlan, applicant_tiers, cap_plan, cross_row, staged_caps
from .exprs import I128, Unsupported, lit, scaled
from .frame import base_frame, subject_category_code
from .parse import ParsedRow, ParseMemo, parse_rows
from .read import Roster

__all__ = ["compute_vector"]


def compute_vector(roster: Roster, cmap: ColumnMap, yr: YearRules, base: pl.DataFrame | None = None,
                   parsed: dict[int, ParsedRow] | None = None, memo: ParseMemo | None = None) -> pl.DataFrame:
    """Per-row line status and award in 分 for every row this path can do exactly.

    Never raises for what it cannot do: a rule it cannot compile, or whose limits across rows it
    does not apply (``crossrow.unsupported_rules``), leaves its rows — and their applicants' — to
    the reference engine.

    Args:
        roster: the roster (string cells).
        cmap: its column map.
        yr: the rules in force.
        base: the roster's ``frame.base_frame``, if the caller has it (else it is made here).
        parsed: if given, filled with the rows this path read with the reference parser
            (``parse.ParsedRow`` by frame index), so that the caller need not read them again.
        memo: rows parsed before, shared with other computations (``parse.ParseMemo``).

    Returns:
        A frame with one row per roster row, in order: ``line_status`` (the engine's
        status words) and ``award_fen`` (Int64, after cross-row limits); both null for
        rows left to the reference engine: rows with an input error (the reference parser
        names it; such a row takes part in no cross-row limit, as in the reference engine)
        and every row of an applicant with a row this path cannot do.
        ``fallback_group`` is True for every row of an applicant that has any row this
        path did not do itself (input errors included). ``tier`` is the tier label
        (一档…) of a tier_table rule's row whose input lies in a tier, whatever its
        status; null for rows left to the reference engine.
    """
    df: pl.DataFrame = roster.frame
    n = df.height
    if base is None:
        base = base_frame(roster, cmap, yr)
    # a row this path does not do: no name, an unknown subject, category or rule, or a claimed
    # amount that is not plain decimal text (the reference engine reads it, or names the error)
    base = base.lazy().select(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("_i"),
        pl.col("subject").alias("_subject"), pl.col("category").alias("_category"), pl.col("rule").alias("_rule"),
        pl.col("project").alias("_project"), pl.col("aid").alias("_aid"),
        (pl.col("name").is_null() | pl.col("subject").is_null() | pl.col("rule").is_null()
         | (pl.col("category_raw").is_not_null() & pl.col("category").is_null())
         # a category on a subject that is not a household is an input error (the reference parser names it)
         | (pl.col("category").is_not_null() & ~pl.col("subject").is_in(yr.vocabulary.household_subjects))
         | (pl.col("claimed_raw").is_not_null() & ~pl.col("claimed_plain"))).alias("_fallback"),
    ).collect()

    plan = cap_plan(yr)
    skip = plan.unsupported
    present = [r for r in base.get_column("_rule").unique(maintain_order=True).to_list() if r is not None]
    bool_columns = sorted({c for rid in present for spec in yr.rules[rid].inputs if spec.type == "boolean"
                           for c in cmap.inputs[rid].get(spec.name, [])})
    plain_bools = plain_bool_columns(df, bool_columns)
    unit_rules = [rid for rid in present if rid in {r for k in plan.order if k.of == "units" for r in plan.rules[k]} and rid not in skip]
    units_scale = _units_scale(yr, [yr.rules[rid] for rid in unit_rules]) if unit_rules else 0
    # Every rule present compiled once, into expressions over the whole roster: each reads its own
    # parsed inputs (columns prefixed by the rule's place) and is chosen row by row by the rule's
    # code. One pass, no rows taken apart by rule and put back in order.
    compiled: dict[str, RuleExprs] = {}
    for k, rid in enumerate(present):
        if rid in skip:
            continue
        try:
            compiled[rid] = rule_exprs(yr, yr.rules[rid], cmap, f"r{k}:", plain_bools, units_scale if rid in unit_rules else None)
        except Unsupported:
            continue  # its rows (and applicants) go to the reference engine
    wide = pl.concat([base.select("_i", "_rule", "_subject", "_category"), df], how="horizontal").lazy()
    parsed_inputs = wide.with_columns([c for e in compiled.values() for c in e.parsed])
    if unit_rules:
        # caps on units shared between rows: the units each row counts on its own, then across rows
        own_rules = [rid for rid in unit_rules if rid in compiled]
        own = parsed_inputs.filter(pl.col("_rule").is_in(own_rules)).select(
            "_i", by_rule({rid: compiled[rid].status for rid in own_rules}, pl.UInt8).alias("_status"),
            by_rule({rid: compiled[rid].q for rid in own_rules}, I128).alias("_q"),
            by_rule({rid: compiled[rid].fb_own for rid in own_rules}, pl.Boolean).alias("_fb"),
            pl.col("_rule")).collect()
        counted = _count_units(yr, plan, base, own, units_scale)
        q = pl.repeat(None, n, dtype=I128, eager=True).scatter(counted.get_column("_i"), counted.get_column("_q"))
        has = pl.repeat(False, n, dtype=pl.Boolean, eager=True).scatter(counted.get_column("_i"), True)
        # the rules under those caps pay on the units counted (a row not counted keeps its own)
        parsed_inputs = parsed_inputs.with_columns(
            *(pl.when(has).then(q).otherwise(pl.col(compiled[rid].units_col)).alias(compiled[rid].units_col) for rid in own_rules))
    # each rule's status, then its amount, as columns of their own (each computed once, then read)
    out = (parsed_inputs
           .with_columns([e.status.alias(e.prefix + "_st") for e in compiled.values()])
           .with_columns([e.fen128.alias(e.prefix + "_f") for e in compiled.values()])
           .select(
               "_i",  # (a column as long as the roster, should no rule be compiled)
               by_rule({rid: pl.col(e.prefix + "_st") for rid, e in compiled.items()}, pl.UInt8).alias("_status"),
               by_rule({rid: e.fen for rid, e in compiled.items()}, pl.Int64).alias("_fen"),
               by_rule({rid: e.fb for rid, e in compiled.items()}, pl.Boolean, default=True).alias("_fb"),
               by_rule({rid: e.tier for rid, e in compiled.items()}, pl.String).alias("_tier"),
               by_rule({rid: e.hv for rid, e in compiled.items()}, pl.Int64).alias("_hv"))
           .with_columns(pl.col("_status").replace_strict(dict(enumerate(LINE_STATUSES)), return_dtype=pl.String))
           .collect())
    status, fen, fb, tier, added = (out.get_column(c) for c in ("_status", "_fen", "_fb", "_tier", "_hv"))
    all_rows = base.with_columns(status.alias("_status"), fen.alias("_fen"), (pl.col("_fallback") | fb).alias("_fallback"))

    # rows this path did not do: those with an input error (named by the reference parser) take part
    # in nothing; any other one takes its whole applicant to the reference engine
    flagged = all_rows.get_column("_fallback").arg_true().to_list()
    problem: list[int] = []
    if flagged:
        rows = parse_rows(roster, cmap, yr, flagged, memo)
        problem = [p.index for p in rows if p.problems]
        if parsed is not None:
            parsed.update((p.index, p) for p in rows)
    is_problem = pl.int_range(0, pl.len(), dtype=pl.Int64).is_in(pl.Series(problem, dtype=pl.Int64).implode())
    fallback_aids = all_rows.filter(pl.col("_fallback") & ~is_problem).get_column("_aid").unique()
    group_aids = all_rows.filter(pl.col("_fallback")).get_column("_aid").unique()
    all_rows = all_rows.with_columns(
        (is_problem | pl.col("_aid").is_in(fallback_aids.implode())).alias("_fallback"),
        pl.col("_aid").is_in(group_aids.implode()).alias("_group"))
    # a tier table on the applicant's total places it once every row is in, before the other limits across rows
    totals = _applicant_totals(yr, present)
    if totals:
        placed = applicant_tiers(all_rows.select("_i", "_aid", "_subject", "_category", "_rule", "_status", "_fallback")
                                 .with_columns(is_problem.alias("_problem"), added.alias("_hv")), yr, totals)
        at = placed.get_column("_i")
        status, fen = status.scatter(at, placed.get_column("_status")), fen.scatter(at, placed.get_column("_fen"))
        tier = tier.scatter(at, placed.get_column("_tier"))
        all_rows = all_rows.with_columns(status.alias("_status"), fen.alias("_fen"))
    # the cross-row limits change some lines; a row not done here has no line
    changed = cross_row(all_rows.select("_i", "_aid", "_subject", "_category", "_rule", "_project", "_status", "_fen", "_fallback"), yr)
    done = ~all_rows.get_column("_fallback")
    status = pl.select(pl.when(done).then(status.scatter(changed.get_column("_i"), changed.get_column("_status")))).to_series()
    fen = pl.select(pl.when(done).then(fen.scatter(changed.get_column("_i"), changed.get_column("_fen")))).to_series()
    # the part paid this time (a tranche), last, as in the engine
    fen = _tranches(yr, all_rows.get_column("_rule"), status, fen)
    # the tier (tier_table rules) of the rows done here; a row left to the reference engine has none
    tier = pl.select(pl.when(done).then(tier)).to_series()
    return pl.DataFrame([status.alias("line_status"), fen.alias("award_fen"), all_rows.get_column("_group").alias("fallback_group"),
                         tier.alias("tier")])


def _applicant_totals(yr: YearRules, present: list[str]) -> dict[str, int]:
    """The rules present whose tier table places the applicant's total, each with the scale its
    input is read at (the rows' ``_hv``)."""
    out = {}
    for rid in present:
        f = yr.rules[rid].formula
        if isinstance(f, TierTable) and f.per_applicant:
            spec = yr.rules[rid].input_spec(f.input)
            if spec is not None and spec.type in SCALE:  # else the rule is left to the reference engine
                out[rid] = SCALE[spec.type]
    return out


def _units_scale(yr: YearRules, rules: list[Rule]) -> int:
    """The one scale the units of rules under shared caps on units are held at: enough for every
    quantity and every limit on units of those rules."""
    scale = 0
    for rule in rules:
        name = rule.formula.units()
        spec = rule.input_spec(name) if name else None
        if spec is not None and spec.type in SCALE:
            scale = max(scale, SCALE[spec.type])
        for cap in rule.caps:
            if cap.of == "units":
                for p in value_parameters(cap.param):
                    scale = max(scale, scaled(yr.param(rule, p).value)[1])
    return scale


def _count_units(yr: YearRules, plan: CapPlan, base: pl.DataFrame, own: pl.DataFrame, scale: int) -> pl.DataFrame:
    """The units each awarded row counts under the caps on units shared between rows (``_i``,
    ``_q``; ``_q`` null where whether a cap applies is not known).

    ``own``: the rows of the rules under those caps, with the status, units (``_q``) and
    fallback flag (``_fb``) each has on its own. A row takes part when it is awarded on its own
    and this path reads it (as in the engine, a row with an input error takes part in nothing; a
    row this path cannot read takes its whole applicant to the reference engine, where these
    counts are not used)."""
    code, width = subject_category_code(yr, "_subject", "_category")
    lines = (own.filter((pl.col("_status") == STATUS_CODE["awarded"]) & ~pl.col("_fb")).select("_i", "_q")
             .join(base.select("_i", "_rule", "_subject", "_category", "_project", "_aid", "_fallback"), on="_i", how="left", maintain_order="left")
             .filter(~pl.col("_fallback"))
             .sort("_i")
             .with_columns((pl.col("_aid").cast(pl.UInt64) * width + code).alias("_gid")))
    after, undecided = staged_caps(lines, yr, plan, "units", "_q", scale)
    return after.select("_i", pl.when(undecided).then(pl.lit(None, dtype=I128)).otherwise(pl.col("_q")).alias("_q"))


def _tranches(yr: YearRules, rule: pl.Series, status: pl.Series, fen: pl.Series) -> pl.Series:
    """The part of each awarded line paid this time (``Rule.tranche``): 分 × share, rounded to the
    分 as the pack states (half_up or down), exactly."""
    tranche = {rid: r.tranche for rid, r in yr.rules.items() if r.tranche is not None}
    if not tranche:
        return fen
    expr: Any = None
    f = pl.col("fen").cast(I128)
    for rid, t in tranche.items():
        m, s = scaled(yr.param(yr.rules[rid], t.share).value)
        unit = 10**s
        paid = (f * lit(m) * 2 + lit(unit)) // lit(2 * unit) if t.rounding == "half_up" else (f * lit(m)) // lit(unit)
        hit = (pl.col("rule") == rid) & (pl.col("status") == "awarded")
        expr = pl.when(hit).then(paid) if expr is None else expr.when(hit).then(paid)
    frame = pl.DataFrame([rule.alias("rule"), status.alias("status"), fen.alias("fen")])
    return frame.select(expr.otherwise(f).cast(pl.Int64).alias(fen.name)).to_series()
