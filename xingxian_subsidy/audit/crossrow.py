"""The vectorised path's limits across rows: once per household, one award per project in an
exclusive group, and shared caps (per applicant or per project), over applicant groups in row
order, as the reference engine applies them."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from ..pack.loader import YearRules
from ..pack.rule import Rule
from ..pack.semantics import match_steps
from .exprs import Unsupported, at_scale, compile_match
from .frame import subject_category_code

__all__ = ["cross_row", "unsupported_rules"]


def unsupported_rules(yr: YearRules) -> frozenset[str]:
    """The rules whose limits across rows this path does not apply: a rule with more than one
    shared cap, and every rule of a cap group whose rules give it different limits (or a cap on a
    match this path cannot compile). Their rows go to the reference engine, with all the rows of
    their applicants."""
    out: set[str] = set()
    limits: dict[tuple[str, str], set[int]] = defaultdict(set)
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rid, r in yr.rules.items():
        shared = [c for c in r.caps if c.scope != "claim"]
        if len(shared) > 1:
            out.add(rid)
        for cap in shared:
            key = (cap.scope, cap.group or "")
            members[key].append(rid)
            try:
                limits[key].add(at_scale(yr.param(r, cap.param).value, 2))
                compile_match(match_steps(cap.when, yr.vocabulary), lambda name, r=r: _choice_column(r, name), with_inputs=False)
            except Unsupported:
                out.add(rid)
    for key, values in limits.items():
        if len(values) > 1:
            out.update(members[key])
    return frozenset(out)


def _choice_column(rule: Rule, name: str) -> pl.Expr:
    spec = rule.input_spec(name)
    if spec is None or spec.type != "choice":
        raise Unsupported("a match on a non-choice input")
    return pl.col(f"in:{name}")


def _runs(keys: list[str]) -> pl.Expr:
    """On rows sorted so that equal keys are adjacent: True at the first row of each run of equal keys."""
    changed = [pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys]
    return pl.any_horizontal(changed) | (pl.int_range(0, pl.len()) == 0)


def cross_row(rows: pl.DataFrame, yr: YearRules) -> pl.DataFrame:
    """Once-per-household, exclusive groups and shared caps, per applicant group, in row order.

    Mirrors the engine's cross-claim step (``engine.compute``): of lines that exclude each other (once per household; one
    construction award per project) the highest is paid, the first of equals winning; then
    shared caps in row order, where the amount used after line k is min(cap, running sum).

    An applicant group is (applicant, subject, category). Only lines awarded before this step,
    of a rule with a once-group, an exclusive group or a shared cap, can change. Each step sorts
    its own lines by group and row and works on runs of equal keys in that order (segments, not
    windows); the group is one exact integer made of the applicant's number and its subject and
    category.

    Args:
        rows: ``_i`` (row index), ``_aid`` (``frame.applicant_ids``), ``_subject``, ``_category``,
            ``_rule``, ``_project``, ``_status``, ``_fen`` and ``_fallback`` (the row is not done
            here: it takes part in nothing) of every row.

    Returns:
        ``_i``, ``_status``, ``_fen`` of the rows that took part, after the cross-row limits
        (every other row keeps its own).
    """
    code, width = subject_category_code(yr, "_subject", "_category")
    once = {rid: r.once_per_applicant for rid, r in yr.rules.items() if r.once_per_applicant}
    excl = {rid: r.exclusive_group for rid, r in yr.rules.items() if r.exclusive_group}
    cap_of: dict[str, tuple[str, str, int]] = {}
    applies = pl.lit(None, dtype=pl.Boolean)
    skip = unsupported_rules(yr)  # their rows are left to the reference engine, with their applicants
    for rid, r in yr.rules.items():
        shared = [c for c in r.caps if c.scope != "claim"]
        if not shared or rid in skip:
            continue
        cap = shared[0]
        cap_of[rid] = (cap.scope, cap.group or "", at_scale(yr.param(r, cap.param).value, 2))
        m = compile_match(match_steps(cap.when, yr.vocabulary), lambda name, r=r: _choice_column(r, name), with_inputs=False)
        applies = pl.when(pl.col("_rule") == rid).then(m).otherwise(applies)
    # what each rule takes part in, as small codes (one row per rule that takes part in anything)
    involved = sorted({*once, *excl, *cap_of})
    codes = {name: sorted({v for v in d.values()}) for name, d in (("once", once), ("excl", excl))}
    cap_keys = sorted({v[:2] for v in cap_of.values()})
    table = pl.DataFrame({
        "_rule": involved,
        "_once": [codes["once"].index(once[rid]) if rid in once else None for rid in involved],
        "_excl": [codes["excl"].index(excl[rid]) if rid in excl else None for rid in involved],
        "_cap": [cap_keys.index(cap_of[rid][:2]) if rid in cap_of else None for rid in involved],
        "_cproj": [rid in cap_of and cap_of[rid][0] == "project" for rid in involved],
        "_climit": [cap_of[rid][2] if rid in cap_of else None for rid in involved],
        # unlabelled claims of the rule are one project (rule.unlabelled_claims, I-026)
        "_unl": [yr.rules[rid].unlabelled_claims == "same_project" for rid in involved],
    }, schema={"_rule": pl.String, "_once": pl.Int32, "_excl": pl.Int32, "_cap": pl.Int32, "_cproj": pl.Boolean, "_climit": pl.Int64,
               "_unl": pl.Boolean})
    # membership is decided on the status before any cross-row step (as the engine collects both at once);
    # a line's state here: 0 awarded, 1 limited, 2 undecided
    states = ["awarded", "limited", "undecided"]
    # the group (applicant, subject, category) as one exact integer
    r = (rows.filter((pl.col("_status") == "awarded") & ~pl.col("_fallback"))
         .with_columns(pl.col("_rule").replace_strict({rid: k for k, rid in enumerate(involved)}, default=None, return_dtype=pl.UInt32).alias("_t"))
         .filter(pl.col("_t").is_not_null())
         .select("_i", (pl.col("_aid").cast(pl.UInt64) * width + code).alias("_gid"), "_project", "_fen", "_t",
                 applies.alias("_capplies"), pl.lit(0, dtype=pl.UInt8).alias("_st")))
    if not r.height:
        return pl.DataFrame(schema={"_i": pl.Int64, "_status": pl.String, "_fen": pl.Int64})
    # what each line's rule takes part in, looked up by the rule's place in the table
    t = r.get_column("_t")
    r = r.with_columns(*(table.get_column(c).gather(t) for c in ("_once", "_excl", "_cap", "_cproj", "_climit", "_unl"))).drop("_t")
    # each step below sorts only its own lines, by group then row: a group's lines are one run

    def keep_highest(frame: pl.DataFrame, member: pl.Expr, keys: list[str]) -> pl.DataFrame:
        """Of members that exclude each other, pay the highest (first of equals); the rest become 0, limited."""
        m = frame.with_row_index("_m").filter(member)
        if not m.height:
            return frame
        # highest first; among equals the lines keep their row order (stable sort)
        m = m.sort("_gid", *keys, "_fen", descending=[False] * (1 + len(keys)) + [True], maintain_order=True)
        lose = m.filter(~_runs(["_gid", *keys])).get_column("_m")
        if not len(lose):
            return frame
        return frame.with_columns(frame.get_column("_st").scatter(lose, 1), frame.get_column("_fen").scatter(lose, 0))

    # 1. once per applicant: the highest awarded line of the group is paid
    r = keep_highest(r, pl.col("_once").is_not_null(), ["_once"])
    # 2. exclusive groups per project: the highest is paid (a claim without a project label stands alone,
    # unless its rule takes the unlabelled claims as one project: their null labels make one run)
    r = keep_highest(r, pl.col("_excl").is_not_null() & (pl.col("_project").is_not_null() | pl.col("_unl")), ["_excl", "_project"])
    # 3. shared caps (applicant or project scope) in row order: used after line k = min(cap, running sum)
    awarded = (pl.col("_st") == 0) & pl.col("_cap").is_not_null()
    # whether the cap binds depends on an input not given (the category): the line is undecided
    unknown = awarded & pl.col("_capplies").is_null()
    r = r.with_columns(pl.when(unknown).then(pl.lit(2, dtype=pl.UInt8)).otherwise(pl.col("_st")).alias("_st"),
                       pl.when(unknown).then(pl.lit(0, dtype=pl.Int64)).otherwise(pl.col("_fen")).alias("_fen"))
    inside = awarded & pl.col("_capplies").fill_null(False)
    c = r.with_row_index("_m").filter(inside)
    if c.height:
        keys = ["_gid", "_cap"]
        if c.get_column("_cproj").any():
            # a project-scope cap is per project; a line without a project label is alone under it
            c = c.with_columns(pl.when(pl.col("_cproj")).then(pl.col("_project")).alias("_cproject"),
                               pl.when(pl.col("_cproj") & pl.col("_project").is_null() & ~pl.col("_unl")).then(pl.col("_i")).alias("_alone"))
            keys += ["_cproject", "_alone"]
        c = c.sort(*keys, maintain_order=True)  # the lines are in row order: stable keeps it within a run
        start = _runs(keys)
        csum = pl.col("_fen").cum_sum()
        c = c.with_columns((csum - pl.when(start).then(csum - pl.col("_fen")).forward_fill()).alias("_csum"))
        used = pl.min_horizontal(pl.col("_climit"), pl.col("_csum"))
        used_before = pl.min_horizontal(pl.col("_climit"), pl.col("_csum") - pl.col("_fen"))
        c = c.select("_m", pl.when((pl.col("_fen") > used - used_before) & (used - used_before == 0)).then(pl.lit(1, dtype=pl.UInt8))
                     .otherwise(pl.col("_st")).alias("_st"), (used - used_before).alias("_fen"))
        r = r.with_columns(r.get_column("_st").scatter(c.get_column("_m"), c.get_column("_st")),
                           r.get_column("_fen").scatter(c.get_column("_m"), c.get_column("_fen")))
    return r.select("_i", pl.col("_st").replace_strict(dict(enumerate(states)), return_dtype=pl.String).alias("_status"), "_fen")
