"""The vectorised path's limits across rows: a tier table on the applicant's total, once per
household, one award per project in an exclusive group, and caps shared between rows (per
applicant or per project) — on the amount, and on the units a per-unit formula counts — over
applicant groups in row order, as the reference engine applies them.

Several shared caps on one rule (a species cap and a household cap) are done exactly when the
rule data's caps are *nested*: any two cap groups that share a rule are one inside the other
(every rule of the smaller is in the larger, and the larger is per applicant, or both are per
project), and every rule of a group states the group's cap alike (its ``when`` and its limit,
which may depend on the category). The engine pays each line the least of its amount and the
room left under each of its caps; for nested caps that is the same as applying the caps one
after the other, the inner first, each as a running sum. Rules whose caps are not nested
(``unsupported_rules``) are left to the reference engine, with every row of their applicants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..core.money import to_fen
from ..pack.formulas import TierTable
from ..pack.loader import YearRules
from ..pack.models import Cap
from ..pack.rule import Rule
from ..pack.semantics import match_steps, tier_bounds
from .exprs import I128, at_scale, compile_match, lit, tier_tests
from .frame import applicants_alone, subject_category_code

__all__ = ["CapKey", "applicant_tiers", "cap_plan", "cross_row", "staged_caps", "unsupported_rules"]


@dataclass(frozen=True, order=True)
class CapKey:
    """A cap shared between rows: what it bounds (``amount`` or ``units``), its scope and its group."""

    of: str
    scope: str
    group: str


@dataclass
class CapPlan:
    """The shared caps of a year, as the vectorised path applies them.

    Attributes:
        order: the cap keys in the order they are applied (inner groups first).
        rules: each key's rules.
        caps: each key's cap as its rules state it (the same in each).
        rule_of: a rule of each key, to read the cap's parameters with.
        unsupported: the rules left to the reference engine (see the module docstring).
    """

    order: list[CapKey]
    rules: dict[CapKey, list[str]]
    caps: dict[CapKey, Cap]
    rule_of: dict[CapKey, Rule]
    unsupported: frozenset[str]


def _signature(yr: YearRules, rule: Rule, cap: Cap) -> tuple:
    """What a rule states of a shared cap: when it applies and its limit (by case)."""
    if isinstance(cap.param, str):
        limit: Any = yr.param(rule, cap.param).value
    else:
        limit = tuple((case.when.model_dump_json(), yr.param(rule, case.param).value) for case in cap.param)
    return cap.when.model_dump_json(), limit


def cap_plan(yr: YearRules) -> CapPlan:
    """The year's shared caps: their keys in the order they apply, and the rules left out."""
    rules: dict[CapKey, list[str]] = defaultdict(list)
    signatures: dict[CapKey, set[tuple]] = defaultdict(set)
    caps: dict[CapKey, Cap] = {}
    rule_of: dict[CapKey, Rule] = {}
    bad_keys: set[CapKey] = set()
    for rid, r in yr.rules.items():
        for cap in r.caps:
            if cap.scope == "claim":
                continue
            key = CapKey(cap.of, cap.scope, cap.group or "")
            rules[key].append(rid)
            caps.setdefault(key, cap)
            rule_of.setdefault(key, r)
            signatures[key].add(_signature(yr, r, cap))
    for key, sigs in signatures.items():
        if len(sigs) > 1:  # the rules of a group state its cap differently
            bad_keys.add(key)
    # nested: two keys of the same kind that share a rule are one inside the other
    members = {key: set(rids) for key, rids in rules.items()}
    keys = sorted(members)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if a.of != b.of or not members[a] & members[b]:
                continue
            inner, outer = (a, b) if _inside(a, b, members) else (b, a)
            if not _inside(inner, outer, members):
                bad_keys.update((a, b))
    # every rule of a key left out is left out, and so on (a key's lines must all be here)
    out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for key in keys:
            if (key in bad_keys or members[key] & out) and not members[key] <= out:
                out |= members[key]
                changed = True
    # inner first: fewer rules first, and of equal groups the per-project one first
    order = sorted(keys, key=lambda k: (k.of, len(members[k]), k.scope != "project", k))
    return CapPlan(order=order, rules=dict(rules), caps=caps, rule_of=rule_of, unsupported=frozenset(out))


def _inside(inner: CapKey, outer: CapKey, members: dict[CapKey, set[str]]) -> bool:
    """Every line under ``inner`` is under ``outer`` too (for one applicant)."""
    if not members[inner] <= members[outer]:
        return False
    return outer.scope == "applicant" or inner.scope == outer.scope == "project"


def _no_input(name: str) -> pl.Expr:
    """A shared cap is decided before any input is read (as in the engine): a ``when`` that tests
    an input leaves the line undecided, and its column is never read."""
    return pl.lit(None, dtype=pl.String)


def unsupported_rules(yr: YearRules) -> frozenset[str]:
    """The rules whose limits across rows this path does not apply: the rules of a cap group
    whose rules state its cap differently, and of cap groups that are not nested (see the module docstring). Their rows go to the reference
    engine, with all the rows of their applicants."""
    return cap_plan(yr).unsupported


def _runs(keys: list[str]) -> pl.Expr:
    """On rows sorted so that equal keys are adjacent: True at the first row of each run of equal keys."""
    changed = [pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys]
    return pl.any_horizontal(changed) | (pl.int_range(0, pl.len()) == 0)


def _key_exprs(yr: YearRules, plan: CapPlan, key: CapKey, scale: int) -> tuple[pl.Expr, pl.Expr]:
    """(whether the key's cap applies — null when that depends on something not given —, its
    limit at ``scale``, null where it has none) on rows with ``_subject`` and ``_category``."""
    cap, rule = plan.caps[key], plan.rule_of[key]
    applies = compile_match(match_steps(cap.when, yr.vocabulary), _no_input, with_inputs=False)
    if isinstance(cap.param, str):
        limit: Any = lit(at_scale(yr.param(rule, cap.param).value, scale))
        found = pl.lit(True)
    else:
        limit, found = None, None
        for case in cap.param:
            ok = compile_match(match_steps(case.when, yr.vocabulary), _no_input, with_inputs=False)
            val = lit(at_scale(yr.param(rule, case.param).value, scale))
            limit = (pl.when(ok.is_null()).then(pl.lit(None, dtype=I128)) if limit is None else limit.when(ok.is_null()).then(pl.lit(None, dtype=I128))).when(ok).then(val)
            found = (pl.when(ok.is_null()).then(pl.lit(None, dtype=pl.Boolean)) if found is None else found.when(ok.is_null()).then(pl.lit(None, dtype=pl.Boolean))).when(ok).then(pl.lit(True))
        limit = limit.otherwise(pl.lit(None, dtype=I128))
        found = found.otherwise(pl.lit(False))
    # applies: False → not under the cap; True → under it if a case gives a limit; null → undecided
    under = pl.when(applies.is_null()).then(pl.lit(None, dtype=pl.Boolean)).when(~applies).then(pl.lit(False)).otherwise(found)
    return under, limit


def staged_caps(lines: pl.DataFrame, yr: YearRules, plan: CapPlan, of: str, value: str, scale: int) -> tuple[pl.DataFrame, pl.Series]:
    """Apply the shared caps ``of`` the amount or of units to ``lines``, inner groups first, each as a
    running sum in row order per applicant group (and project): the part of a line's ``value``
    that fits under a cap is min(limit, running sum) − min(limit, running sum before it).

    Args:
        lines: the lines that take part, in row order: ``_gid`` (the applicant group), ``_aid``
            (its applicant, ``frame.applicant_ids``), ``_i`` (row), ``_rule``, ``_project``,
            ``_subject``, ``_category`` and ``value`` (an integer at ``scale``).
        scale: the decimal scale of ``value`` (limits are read at it).

    Returns:
        (``lines`` with ``value`` after the caps, whether each line is undecided: one of its caps
        may or may not apply, depending on something not given — its value is then 0 and it
        takes part in no cap, as in the engine).
    """
    keys = [k for k in plan.order if k.of == of]
    if not keys or not lines.height:
        return lines, pl.repeat(False, lines.height, dtype=pl.Boolean, eager=True)
    exprs = {key: _key_exprs(yr, plan, key, scale) for key in keys}
    flags = lines.select(*(pl.when(pl.col("_rule").is_in(plan.rules[key])).then(exprs[key][0]).otherwise(pl.lit(False)).alias(f"_u{j}")
                           for j, key in enumerate(keys)),
                         *(exprs[key][1].alias(f"_l{j}") for j, key in enumerate(keys)))
    undecided = flags.select(pl.any_horizontal([pl.col(f"_u{j}").is_null() for j in range(len(keys))])).to_series()
    vals = lines.get_column(value)
    vals = pl.select(pl.when(undecided).then(0).otherwise(vals).cast(vals.dtype)).to_series()
    for j, key in enumerate(keys):
        under = flags.get_column(f"_u{j}").fill_null(False) & ~undecided
        idx = under.arg_true()
        if not len(idx):
            continue
        c = lines.select("_gid", "_aid", "_i", "_project", "_rule").gather(idx).with_columns(
            vals.gather(idx).alias("_v"), flags.get_column(f"_l{j}").gather(idx).alias("_lim"), pl.Series("_m", idx))
        sort_keys = ["_gid"]
        if key.scope == "project":
            # per project; a line without a project label is alone under it, unless its rule takes
            # the unlabelled claims as one project (rule.unlabelled_claims, I-026)
            c = c.with_columns(pl.col("_project").alias("_cproject"),
                               pl.when(pl.col("_project").is_null() & ~pl.col("_rule").is_in(_one_project(yr))).then(pl.col("_i")).alias("_alone"))
            sort_keys += ["_cproject", "_alone"]
        # a line whose applicant has no other line under this cap (most) has its own value as its
        # running sum: only the lines of applicants with several are sorted
        alone = applicants_alone(c.get_column("_aid"))
        many = c.filter(~alone).sort(*sort_keys, maintain_order=True)  # the lines are in row order: stable keeps it within a run
        start = _runs(sort_keys)
        csum = pl.col("_v").cum_sum()
        c = pl.concat([c.filter(alone).with_columns(pl.col("_v").alias("_csum")),
                       many.with_columns((csum - pl.when(start).then(csum - pl.col("_v")).forward_fill()).alias("_csum"))])
        fit = pl.min_horizontal(pl.col("_lim"), pl.col("_csum")) - pl.min_horizontal(pl.col("_lim"), pl.col("_csum") - pl.col("_v"))
        c = c.select("_m", fit.cast(vals.dtype).alias("_v"))
        vals = vals.scatter(c.get_column("_m"), c.get_column("_v"))
    return lines.with_columns(vals.alias(value)), undecided


def _one_project(yr: YearRules) -> list[str]:
    """The rules whose claims without a project label are one project (rule.unlabelled_claims, I-026)."""
    return [rid for rid, r in yr.rules.items() if r.unlabelled_claims == "same_project"]


def applicant_tiers(rows: pl.DataFrame, yr: YearRules, scales: dict[str, int]) -> pl.DataFrame:
    """Tier tables on the applicant's total (``basis: applicant``), per applicant group, as the
    engine places them (``engine.compute``): the rows that passed their own conditions add their
    input, the total is placed once, the first of them in row order is paid the tier's award
    (rounded once to the 分) and the others are 0 (``limited``); a total below every tier leaves
    them ``ineligible``; while one row of the rule is undecided, so is every row it counts with —
    a row of the rule in the same group that could not be read (an input error, ``_problem``)
    too, as the reference engine's stand-in for it (``reference.reference_results``).
    Runs before the other limits across rows, which then see these lines as the engine does.

    Args:
        rows: ``_i``, ``_aid``, ``_subject``, ``_category``, ``_rule``, ``_status`` (before this
            step: ``awarded`` for a row that passed its conditions with its input given),
            ``_fallback`` (the row takes part in nothing), ``_problem`` (an input error) and
            ``_hv`` (what an awarded row adds, an integer at its rule's scale) of every row.
        scales: the rules to place, each with the scale of its ``_hv``.

    Returns:
        ``_i``, ``_status``, ``_fen`` and ``_tier`` (the tier label, on the row paid) of the rows
        of those rules that took part.
    """
    code, width = subject_category_code(yr, "_subject", "_category")
    parts = []
    for rid, scale in scales.items():
        rule = yr.rules[rid]
        f = rule.formula
        assert isinstance(f, TierTable)
        done = ~pl.col("_fallback") & pl.col("_status").is_in(["awarded", "undecided"])
        r = rows.filter((pl.col("_rule") == rid) & (done | pl.col("_problem")))
        if not r.height:
            continue
        r = r.with_columns((pl.col("_aid").cast(pl.UInt64) * width + code).alias("_gid"))
        counted = (pl.col("_status") == "awarded") & ~pl.col("_problem") & ~pl.col("_fallback")
        groups = r.group_by("_gid").agg(
            pl.col("_hv").filter(counted).cast(I128).sum().alias("_total"),
            (~counted).any().alias("_wait"),
            pl.col("_i").filter(counted).min().alias("_first"))
        bounds = tier_bounds(f, lambda name, rule=rule: yr.param(rule, name))
        label: Any = None
        award: Any = None
        for b, ok in zip(bounds, tier_tests(bounds, pl.col("_total"), scale)):
            fen = pl.lit(int(to_fen(b.award.value) * 100), dtype=pl.Int64)
            label = (pl.when(ok) if label is None else label.when(ok)).then(pl.lit(b.tier.label.zh))
            award = (pl.when(ok) if award is None else award.when(ok)).then(fen)
        groups = groups.with_columns(label.otherwise(pl.lit(None, dtype=pl.String)).alias("_t"),
                                     award.otherwise(pl.lit(None, dtype=pl.Int64)).alias("_a"))
        r = r.join(groups, on="_gid", how="left")
        status = (pl.when(~counted | pl.col("_wait")).then(pl.lit("undecided"))
                  .when(pl.col("_a").is_null()).then(pl.lit("ineligible"))
                  .when(pl.col("_i") == pl.col("_first")).then(pl.lit("awarded"))
                  .otherwise(pl.lit("limited")))
        paid = status == "awarded"
        r = r.filter(~pl.col("_problem"))  # a row that could not be read keeps its input error
        parts.append(r.select("_i", status.alias("_status"), pl.when(paid).then(pl.col("_a")).otherwise(pl.lit(0, dtype=pl.Int64)).alias("_fen"),
                              pl.when(paid).then(pl.col("_t")).otherwise(pl.lit(None, dtype=pl.String)).alias("_tier")))
    if not parts:
        return pl.DataFrame(schema={"_i": pl.Int64, "_status": pl.String, "_fen": pl.Int64, "_tier": pl.String})
    return pl.concat(parts, how="vertical")


def cross_row(rows: pl.DataFrame, yr: YearRules) -> pl.DataFrame:
    """Once-per-household, exclusive groups and shared caps on the amount, per applicant group, in row order.

    Mirrors the engine's cross-claim step (``engine.compute``): of lines that exclude each other (once per household; one
    construction award per project) the highest is paid, the first of equals winning; then the
    shared caps (``staged_caps``).

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
    plan = cap_plan(yr)
    once = {rid: r.once_per_applicant for rid, r in yr.rules.items() if r.once_per_applicant}
    excl = {rid: r.exclusive_group for rid, r in yr.rules.items() if r.exclusive_group}
    capped = {rid for key in plan.order if key.of == "amount" for rid in plan.rules[key]} - plan.unsupported
    # what each rule takes part in, as small codes (one row per rule that takes part in anything)
    involved = sorted({*once, *excl, *capped})
    codes = {name: sorted({v for v in d.values()}) for name, d in (("once", once), ("excl", excl))}
    table = pl.DataFrame({
        "_rule": involved,
        "_once": [codes["once"].index(once[rid]) if rid in once else None for rid in involved],
        "_excl": [codes["excl"].index(excl[rid]) if rid in excl else None for rid in involved],
        # unlabelled claims of the rule are one project (rule.unlabelled_claims, I-026)
        "_unl": [yr.rules[rid].unlabelled_claims == "same_project" for rid in involved],
    }, schema={"_rule": pl.String, "_once": pl.Int32, "_excl": pl.Int32, "_unl": pl.Boolean})
    # membership is decided on the status before any cross-row step (as the engine collects both at once);
    # a line's state here: 0 awarded, 1 limited, 2 undecided
    states = ["awarded", "limited", "undecided"]
    # the group (applicant, subject, category) as one exact integer
    r = (rows.filter((pl.col("_status") == "awarded") & ~pl.col("_fallback"))
         .with_columns(pl.col("_rule").replace_strict({rid: k for k, rid in enumerate(involved)}, default=None, return_dtype=pl.UInt32).alias("_t"))
         .filter(pl.col("_t").is_not_null())
         .select("_i", (pl.col("_aid").cast(pl.UInt64) * width + code).alias("_gid"), "_aid", "_rule", "_project", "_subject", "_category", "_fen", "_t",
                 pl.lit(0, dtype=pl.UInt8).alias("_st")))
    if not r.height:
        return pl.DataFrame(schema={"_i": pl.Int64, "_status": pl.String, "_fen": pl.Int64})
    # what each line's rule takes part in, looked up by the rule's place in the table
    t = r.get_column("_t")
    r = r.with_columns(*(table.get_column(c).gather(t) for c in ("_once", "_excl", "_unl"))).drop("_t")
    # each step below sorts only its own lines, by group then row: a group's lines are one run

    def keep_highest(frame: pl.DataFrame, member: pl.Expr, keys: list[str]) -> pl.DataFrame:
        """Of members that exclude each other, pay the highest (first of equals); the rest become 0, limited."""
        # only the members of applicants with several: a member alone is paid
        m = frame.with_row_index("_m").filter(member)
        m = m.filter(~applicants_alone(m.get_column("_aid")))
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
    # 3. shared caps on the amount, on the lines still awarded: a line whose cap may or may not
    #    apply (the category is not given) is undecided; a line cut to 0 is limited
    # (the lines taken by one mask, whose places are where the results go back)
    pos = r.select((pl.col("_st") == 0) & pl.col("_rule").is_in(list(capped))).to_series().arg_true()
    if len(pos):
        lines = r.gather(pos)
        before = lines.get_column("_fen")
        after, undecided = staged_caps(lines, yr, plan, "amount", "_fen", 2)
        fen = after.get_column("_fen")
        st = pl.select(pl.when(undecided).then(pl.lit(2, dtype=pl.UInt8))
                       .when((fen == 0) & (before > 0)).then(pl.lit(1, dtype=pl.UInt8)).otherwise(pl.lit(0, dtype=pl.UInt8))).to_series()
        r = r.with_columns(r.get_column("_st").scatter(pos, st), r.get_column("_fen").scatter(pos, fen))
    return r.select("_i", pl.col("_st").replace_strict(dict(enumerate(states)), return_dtype=pl.String).alias("_status"), "_fen")
