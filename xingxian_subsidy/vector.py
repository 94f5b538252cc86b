"""The vectorised path: the same rule data compiled into polars expressions over exact integers.

For every rule present in a roster, the rule's subject list, conditions (``when``,
``any_of``, ``ratio_of``), formula, uplifts and per-claim caps become polars
expressions over Int128 values: each number is an integer mantissa with a known
decimal scale (a quantity ``12.5`` 亩 is ``125`` at scale 1), so no float is ever
involved. Each line is rounded once to the 分, ROUND_HALF_UP, exactly as
``money.to_fen``. Cross-row limits (once per household, one award per project in an
exclusive group, shared per-household caps) are applied afterwards over applicant
groups in row order, in the engine's order.

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

from decimal import Decimal
from typing import Any

import polars as pl

from .engine import FALSE_WORDS, TRUE_WORDS
from .money import MAX_PERCENT
from .models import (
    Condition,
    DecidedWithinRange,
    FirstPlusAdditional,
    Fixed,
    InputSpec,
    InterestAtRate,
    Match,
    NotQuantified,
    PerUnit,
    RateCase,
    Rule,
    ShareOfCost,
    TierTable,
)
from .rules import YearRules

__all__ = ["compute_vector", "SUPPORTED_FORMULAS", "MAX_INT_DIGITS"]

I128 = pl.Int128
# Input values with at most this many digits before the point are done here; larger ones fall back.
MAX_INT_DIGITS = 9
# Decimal places read exactly for each input type (more places fall back).
SCALE = {"integer": 0, "money": 2, "decimal": 6}
SUPPORTED_FORMULAS = (PerUnit, Fixed, ShareOfCost, TierTable, FirstPlusAdditional, DecidedWithinRange, InterestAtRate, NotQuantified)


class Unsupported(Exception):
    """A construct this module does not compile: the rule's rows fall back to the reference engine."""


def _lit(v: int) -> pl.Expr:
    return pl.lit(v, dtype=I128)


def _scaled(value: Decimal) -> tuple[int, int]:
    """A Decimal as (mantissa, scale) with value = mantissa / 10**scale."""
    sign, digits, exp = value.normalize().as_tuple()
    assert isinstance(exp, int)
    mant = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exp >= 0:
        return mant * 10**exp, 0
    return mant, -exp


def _at(value: Decimal, scale: int) -> int:
    m, s = _scaled(value)
    if s > scale:
        raise Unsupported(f"{value} needs more than {scale} decimals")
    return m * 10 ** (scale - s)


class _RuleCompiler:
    """Expressions for one rule over a frame holding its rows (columns named ``in:<input>``)."""

    def __init__(self, yr: YearRules, rule: Rule, group_members: dict[str, list[str]]):
        self.yr, self.rule = yr, rule
        self.group_members = group_members

    def param(self, name: str) -> Decimal:
        return self.yr.param(self.rule, name).value

    def spec(self, name: str) -> InputSpec:
        spec = self.rule.input_spec(name)
        if spec is None:
            raise Unsupported(name)
        return spec

    def num(self, name: str) -> tuple[pl.Expr, int]:
        spec = self.spec(name)
        if spec.type not in SCALE:
            raise Unsupported(f"{name} is not a number")
        return pl.col(f"in:{name}"), SCALE[spec.type]

    # -- matches (three-valued, in the engine's order: first non-True answer wins)
    def match(self, m: Match, with_inputs: bool = True) -> pl.Expr:
        subject, category = pl.col("_subject"), pl.col("_category")
        chain: list[tuple[pl.Expr, Any]] = []
        if m.subject is not None:
            chain.append((~subject.is_in(m.subject), False))
        if m.not_subject is not None:
            chain.append((subject.is_in(m.not_subject), False))
        if m.group is not None or m.not_group is not None:
            chain.append(((subject == "household") & category.is_null(), None))
            if m.group is not None:
                members = sorted({c for g in m.group for c in self.group_members.get(g, [])})
                chain.append((~category.is_in(members).fill_null(False), False))
            if m.not_group is not None:
                members = sorted({c for g in m.not_group for c in self.group_members.get(g, [])})
                chain.append((category.is_in(members).fill_null(False), False))
        for name, allowed in (m.inputs or {}).items():
            spec = self.spec(name)
            if spec.type != "choice":
                raise Unsupported("a match on a non-choice input")
            col = pl.col(f"in:{name}")
            if not with_inputs:
                chain.append((pl.lit(True), None))
                break
            chain.append((col.is_null(), None))
            chain.append((~col.is_in(allowed), False))
        expr: Any = None
        for cond, value in chain:
            lit = pl.lit(value, dtype=pl.Boolean)
            expr = pl.when(cond).then(lit) if expr is None else expr.when(cond).then(lit)
        return pl.lit(True) if expr is None else expr.otherwise(pl.lit(True))

    # -- conditions
    def condition(self, c: Condition) -> pl.Expr:
        if c.any_of is not None:
            subs = [self.condition(s) for s in c.any_of]
            any_true = pl.any_horizontal([s.fill_null(False) for s in subs])
            any_null = pl.any_horizontal([s.is_null() for s in subs])
            inner = pl.when(any_true).then(pl.lit(True)).when(any_null).then(pl.lit(None, dtype=pl.Boolean)).otherwise(pl.lit(False))
        else:
            inner = self._simple(c)
        if c.when is None:
            return inner
        applies = self.match(c.when)
        return pl.when(applies.is_null()).then(pl.lit(None, dtype=pl.Boolean)).when(~applies).then(pl.lit(True)).otherwise(inner)

    def _simple(self, c: Condition) -> pl.Expr:
        null = pl.lit(None, dtype=pl.Boolean)
        if c.ratio_of is not None:
            (n, ns), (d, ds) = self.num(c.ratio_of[0]), self.num(c.ratio_of[1])
            if c.op not in ("ge", "gt", "le", "lt"):
                raise Unsupported("ratio with a non-numeric op")
            t, ts = _scaled(self.param(c.threshold or ""))
            # n/10^ns ÷ d/10^ds  op  t/10^ts   ⇔   n·10^ds·10^ts  op  t·d·10^ns   (d > 0)
            left = n * _lit(10 ** (ds + ts))
            right = d * _lit(t * 10**ns)
            cmp = {"ge": left >= right, "gt": left > right, "le": left <= right, "lt": left < right}[c.op]
            return pl.when(n.is_null() | d.is_null()).then(null).when(d == 0).then(pl.lit(False)).otherwise(cmp)
        assert c.input is not None
        spec = self.spec(c.input)
        col = pl.col(f"in:{c.input}")
        if c.op == "is_true":  # a missing value stays missing (null)
            if spec.type != "boolean":
                raise Unsupported("is_true on a non-boolean")
            return col
        if c.op == "is_false":  # (negating null gives null)
            if spec.type != "boolean":
                raise Unsupported("is_false on a non-boolean")
            return ~col
        if c.op in ("in", "not_in"):
            if spec.type != "choice":
                raise Unsupported("in on a non-choice")
            hit = col.is_in(c.values or [])
            return pl.when(col.is_null()).then(null).otherwise(hit if c.op == "in" else ~hit)
        v, s = self.num(c.input)
        t = _at(self.param(c.threshold or ""), s) if _scaled(self.param(c.threshold or ""))[1] <= s else None
        if t is None:
            ts = _scaled(self.param(c.threshold or ""))[1]
            left, right = v * _lit(10 ** (ts - s)), _lit(_scaled(self.param(c.threshold or ""))[0])
        else:
            left, right = v, _lit(t)
        cmp = {"ge": left >= right, "gt": left > right, "le": left <= right, "lt": left < right}[c.op or ""]
        return pl.when(v.is_null()).then(null).otherwise(cmp)

    # -- a value that may depend on cases: (expr at scale, scale), null when undecided
    def value_ref(self, ref: str | list[RateCase]) -> tuple[pl.Expr, int]:
        if isinstance(ref, str):
            m, s = _scaled(self.param(ref))
            return _lit(m), s
        scale = max(_scaled(self.param(case.param))[1] for case in ref)
        expr: Any = None
        for case in ref:
            ok = self.match(case.when)
            val = _lit(_at(self.param(case.param), scale))
            null = pl.lit(None, dtype=I128)
            expr = (pl.when(ok.is_null()).then(null) if expr is None else expr.when(ok.is_null()).then(null)).when(ok).then(val)
        return expr.otherwise(pl.lit(None, dtype=I128)), scale

    # -- the formula: (amount expr, scale, ineligible expr)
    def formula(self) -> tuple[pl.Expr, int, pl.Expr]:
        f = self.rule.formula
        no = pl.lit(False)
        if isinstance(f, PerUnit):
            (q, qs), (r, rs) = self.num(f.quantity), self.value_ref(f.rate)
            return q * r, qs + rs, no
        if isinstance(f, Fixed):
            a, s = self.value_ref(f.amount)
            return a, s, no
        if isinstance(f, ShareOfCost):
            (c, cs), (r, rs) = self.num(f.cost), self.value_ref(f.share)
            return c * r, cs + rs, no
        if isinstance(f, TierTable):
            v, _ = self.num(f.input)
            scale = max(_scaled(self.param(t.award))[1] for t in f.tiers)
            expr: Any = None
            in_none = pl.lit(True)
            for t, ok in self.tier_bounds():
                award = _lit(_at(self.param(t.award), scale))
                expr = pl.when(ok).then(award) if expr is None else expr.when(ok).then(award)
                in_none = in_none & ~ok
            amount = expr.otherwise(_lit(0))
            return pl.when(v.is_null()).then(pl.lit(None, dtype=I128)).otherwise(amount), scale, in_none.fill_null(False)
        if isinstance(f, FirstPlusAdditional):
            n, ns = self.num(f.count)
            if ns != 0:
                raise Unsupported("count with decimals")
            (a, as_), (b, bs) = _scaled(self.param(f.first)), _scaled(self.param(f.additional))
            scale = max(as_, bs)
            first, more = _lit(a * 10 ** (scale - as_)), _lit(b * 10 ** (scale - bs))
            return pl.when(n == 0).then(_lit(0)).otherwise(first + more * (n - 1)), scale, no
        if isinstance(f, DecidedWithinRange):
            a, s = self.num(f.amount)
            lo, hi = _lit(_at(self.param(f.min), s)), _lit(_at(self.param(f.max), s))
            out = (a < lo) | (a > hi)
            return pl.when(out).then(_lit(0)).otherwise(a), s, out.fill_null(False)
        raise Unsupported(type(f).__name__)

    def tier_bounds(self) -> list[tuple[Any, pl.Expr]]:
        """(tier, whether the input lies in it) for each tier of a tier_table rule, in order."""
        f = self.rule.formula
        assert isinstance(f, TierTable)
        v, vs = self.num(f.input)
        out = []
        for t in f.tiers:
            ok = pl.lit(True)
            if t.lower:
                lo = _lit(_at(self.param(t.lower), vs))
                ok = ok & ((v >= lo) if t.lower_inclusive else (v > lo))
            if t.upper:
                hi = _lit(_at(self.param(t.upper), vs))
                ok = ok & ((v <= hi) if t.upper_inclusive else (v < hi))
            out.append((t, ok))
        return out

    def tier_label(self) -> pl.Expr:
        """The tier's label (一档…) of a tier_table rule's row; null when the input is missing or in no tier."""
        expr: Any = None
        for t, ok in self.tier_bounds():
            expr = pl.when(ok).then(pl.lit(t.label.zh)) if expr is None else expr.when(ok).then(pl.lit(t.label.zh))
        return expr.otherwise(pl.lit(None, dtype=pl.String))


def _parse_numeric(col: pl.Expr, spec: InputSpec) -> tuple[pl.Expr, pl.Expr]:
    """(value at the type's scale as Int128, ok) — ok is False for text this path does not read."""
    scale = SCALE[spec.type]
    if scale == 0:
        pattern = rf"^[0-9]{{1,{MAX_INT_DIGITS}}}$"
    else:
        pattern = rf"^[0-9]{{1,{MAX_INT_DIGITS}}}(\.[0-9]{{1,{scale}}})?$"
    ok = col.str.contains(pattern).fill_null(True)
    # a decimal at the type's scale is stored as the integer value × 10^scale: read exactly
    value = pl.when(col.is_null() | ~ok).then(pl.lit(None, dtype=I128)).otherwise(col.str.to_decimal(scale=scale).to_physical().cast(I128))
    if spec.unit == "%":  # above 100% is an input error: leave it to the reference engine's message
        too_big = (value > _lit(int(MAX_PERCENT) * 10**scale)).fill_null(False)
        ok = ok & ~too_big
        value = pl.when(too_big).then(pl.lit(None, dtype=I128)).otherwise(value)
    return value, ok


# the words a yes/no cell is written with in nearly every roster
_YES, _NO = "是", "否"
assert _YES in TRUE_WORDS and _NO in FALSE_WORDS


def _parse_bool(col: pl.Expr, plain: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """(value, ok) of a yes/no cell. ``plain``: every cell of the column is 是, 否 or blank (checked
    on the data beforehand), so one comparison reads it; else one lookup per cell."""
    if plain:
        return col == _YES, pl.lit(True)
    # the engine's words as written, in lower, upper and title case: one lookup per cell (other
    # spellings, such as "yEs", are not read here: the row goes to the reference engine)
    words: dict[str, bool] = {}
    for value, group in ((True, TRUE_WORDS), (False, FALSE_WORDS)):
        for w in sorted(group):
            for form in (w, w.upper(), w.title()):
                words.setdefault(form, value)
    value = col.replace_strict(words, default=None, return_dtype=pl.Boolean)
    return value, col.is_null() | value.is_not_null()


def _plain_bool_columns(df: pl.DataFrame, columns: list[str]) -> set[str]:
    """The columns whose every cell is 是, 否 or blank (``_parse_bool``'s fast case)."""
    if not columns or not df.height:
        return set(columns)
    flags = df.select([(pl.col(c).is_null() | (pl.col(c) == _YES) | (pl.col(c) == _NO)).all().alias(c) for c in columns]).row(0)
    return {c for c, f in zip(columns, flags) if f}


def _parse_choice(col: pl.Expr, spec: InputSpec) -> tuple[pl.Expr, pl.Expr]:
    mapping: dict[str, str] = {}
    for ch in spec.choices:
        for text in (ch.value, ch.label.zh, ch.label.en):
            mapping.setdefault(text, ch.value)
    # a handful of words: comparing with each is much cheaper than a hash lookup per cell
    value: Any = None
    for text, v in mapping.items():
        value = (pl.when(col == text) if value is None else value.when(col == text)).then(pl.lit(v))
    value = value.otherwise(pl.lit(None, dtype=pl.String)) if value is not None else pl.lit(None, dtype=pl.String)
    return value, col.is_null() | value.is_not_null()


def compute_vector(roster: Any, cmap: Any, yr: YearRules, base: pl.DataFrame | None = None, parsed: dict[int, Any] | None = None) -> pl.DataFrame:
    """Per-row line status and award in 分 for every row this path can do exactly.

    Args:
        roster: a ``roster.Roster`` (string cells).
        cmap: its ``roster.ColumnMap``.
        yr: the rules in force.
        base: the roster's ``roster.base_frame`` if the caller has it (else it is built here).
        parsed: if given, filled with the rows this path read with the reference parser
            (``roster.ParsedRow`` by frame index), so that the caller need not read them again.

    Returns:
        A frame with one row per roster row, in order: ``line_status`` (the engine's
        status words) and ``award_fen`` (Int64, after cross-row limits); both null for
        rows left to the reference engine: rows with an input error (the reference parser
        names it; such a row takes part in no cross-row limit, as in ``engine.compute``'s
        caller) and every row of an applicant with a row this path cannot do.
        ``fallback_group`` is True for every row of an applicant that has any row this
        path did not do itself (input errors included). ``tier`` is the tier label
        (一档…) of a tier_table rule's row whose input lies in a tier, whatever its
        status; null for rows left to the reference engine.
    """
    df: pl.DataFrame = roster.frame
    n = df.height

    if base is None:
        from .roster import base_frame

        base = base_frame(roster, cmap, yr)
    # a row this path does not do: no name, an unknown subject, category or rule, or a claimed
    # amount that is not plain decimal text (the reference engine reads it, or names the error)
    base = base.lazy().select(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("_i"),
        pl.col("subject").alias("_subject"), pl.col("category").alias("_category"), pl.col("rule").alias("_rule"),
        pl.col("project").alias("_project"), pl.col("aid").alias("_aid"),
        (pl.col("name").is_null() | pl.col("subject").is_null() | pl.col("rule").is_null()
         | (pl.col("category_raw").is_not_null() & pl.col("category").is_null())
         | (pl.col("claimed_raw").is_not_null() & ~pl.col("claimed_plain"))).alias("_fallback"),
    ).collect()

    group_members = yr.vocabulary.groups
    pieces: list[pl.LazyFrame] = []
    present = [r for r in base.get_column("_rule").unique(maintain_order=True).to_list() if r is not None]
    wide = pl.concat([base.select("_i", "_rule", "_subject", "_category"), df], how="horizontal").lazy()
    bool_columns = sorted({c for rid in present for spec in yr.rules[rid].inputs if spec.type == "boolean"
                           for c in cmap.inputs[rid].get(spec.name, [])})
    plain_bools = _plain_bool_columns(df, bool_columns)
    for rid in present:
        rule = yr.rules[rid]
        cols = sorted({c for cs in cmap.inputs[rid].values() for c in cs})
        # only this rule's rows and the columns it reads
        raw = wide.select("_i", "_rule", "_subject", "_category", *cols).filter(pl.col("_rule") == rid)
        try:
            piece = _rule_rows(yr, rule, raw, cmap, group_members, plain_bools)
        except Unsupported:
            piece = raw.select("_i", pl.lit(None, dtype=pl.String).alias("_status"), pl.lit(None, dtype=pl.Int64).alias("_fen"), pl.lit(True).alias("_fb"),
                               pl.lit(None, dtype=pl.String).alias("_tier"))
        pieces.append(piece)
    if pieces:
        computed = pl.concat(pl.collect_all(pieces), how="vertical")
    else:
        computed = pl.DataFrame(schema={"_i": pl.Int64, "_status": pl.String, "_fen": pl.Int64, "_fb": pl.Boolean, "_tier": pl.String})
    # the rows of a rule back in input order: a row of no known rule has no piece
    if computed.height == n:  # every row has one: the pieces are the rows, reordered
        computed = computed.sort("_i")
        status, fen, fb, tier = (computed.get_column(c) for c in ("_status", "_fen", "_fb", "_tier"))
    else:
        at = computed.get_column("_i")
        status = pl.repeat(None, n, dtype=pl.String, eager=True).scatter(at, computed.get_column("_status"))
        fen = pl.repeat(None, n, dtype=pl.Int64, eager=True).scatter(at, computed.get_column("_fen"))
        fb = pl.repeat(True, n, dtype=pl.Boolean, eager=True).scatter(at, computed.get_column("_fb"))
        tier = pl.repeat(None, n, dtype=pl.String, eager=True).scatter(at, computed.get_column("_tier"))
    all_rows = base.with_columns(status.alias("_status"), fen.alias("_fen"), (pl.col("_fallback") | fb).alias("_fallback"))

    # rows this path did not do: those with an input error (named by the reference parser) take part
    # in nothing; any other one takes its whole applicant to the reference engine
    flagged = all_rows.get_column("_fallback").arg_true().to_list()
    problem: list[int] = []
    if flagged:
        from .roster import parse_rows

        rows = parse_rows(roster, cmap, yr, flagged)
        problem = [p.index for p in rows if p.problems]
        if parsed is not None:
            parsed.update((p.index, p) for p in rows)
    is_problem = pl.int_range(0, pl.len(), dtype=pl.Int64).is_in(pl.Series(problem, dtype=pl.Int64).implode())
    fallback_aids = all_rows.filter(pl.col("_fallback") & ~is_problem).get_column("_aid").unique()
    group_aids = all_rows.filter(pl.col("_fallback")).get_column("_aid").unique()
    all_rows = all_rows.with_columns(
        (is_problem | pl.col("_aid").is_in(fallback_aids.implode())).alias("_fallback"),
        pl.col("_aid").is_in(group_aids.implode()).alias("_group"))
    # the cross-row limits change some lines; a row not done here has no line
    changed = _cross_row(all_rows.select("_i", "_aid", "_subject", "_category", "_rule", "_project", "_status", "_fen", "_fallback"), yr)
    done = ~all_rows.get_column("_fallback")
    status = pl.select(pl.when(done).then(status.scatter(changed.get_column("_i"), changed.get_column("_status")))).to_series()
    fen = pl.select(pl.when(done).then(fen.scatter(changed.get_column("_i"), changed.get_column("_fen")))).to_series()
    # the tier (tier_table rules) of the rows done here; a row left to the reference engine has none
    tier = pl.select(pl.when(done).then(tier)).to_series()
    return pl.DataFrame([status.alias("line_status"), fen.alias("award_fen"), all_rows.get_column("_group").alias("fallback_group"),
                         tier.alias("tier")])


def _rule_rows(yr: YearRules, rule: Rule, raw: pl.LazyFrame, cmap: Any, group_members: dict[str, list[str]],
               plain_bools: set[str] = frozenset()) -> pl.LazyFrame:
    """Evaluate one rule's rows: status and amount in 分 before cross-row limits."""
    comp = _RuleCompiler(yr, rule, group_members)
    if not isinstance(rule.formula, SUPPORTED_FORMULAS):
        raise Unsupported(type(rule.formula).__name__)
    parsed_cols: list[pl.Expr] = []
    oks: list[pl.Expr] = []
    for spec in rule.inputs:
        cols = cmap.inputs[rule.id].get(spec.name, [])
        cell = pl.coalesce([pl.col(c) for c in cols]) if cols else pl.lit(None, dtype=pl.String)
        if spec.type in SCALE:
            value, ok = _parse_numeric(cell, spec)
        elif spec.type == "boolean":
            value, ok = _parse_bool(cell, plain=bool(cols) and all(c in plain_bools for c in cols))
        else:
            value, ok = _parse_choice(cell, spec)
        parsed_cols.append(value.alias(f"in:{spec.name}"))
        oks.append(ok)
    frame = raw.select(pl.col("_i"), pl.col("_subject"), pl.col("_category"), *parsed_cols,
                       pl.all_horizontal(oks).alias("_ok") if oks else pl.lit(True).alias("_ok"))

    conds = [comp.condition(c) for c in rule.conditions]
    kinds = [c.kind for c in rule.conditions]
    subject_ok = pl.col("_subject").is_in(rule.subjects)
    failed = [c.fill_null(True).not_() for c in conds]  # True where the condition is False
    any_failed = pl.any_horizontal(failed) if failed else pl.lit(False)
    failed_elig = pl.any_horizontal([f for f, k in zip(failed, kinds) if k != "exclusion"]) if any(k != "exclusion" for k in kinds) else pl.lit(False)
    any_null = pl.any_horizontal([c.is_null() for c in conds]) if conds else pl.lit(False)

    mod_nulls: list[pl.Expr] = []
    if isinstance(rule.formula, InterestAtRate):
        fen_expr, formula_null, formula_inel = _interest(comp, rule)
    elif isinstance(rule.formula, NotQuantified):
        fen_expr, formula_null, formula_inel = _lit(0), pl.lit(False), pl.lit(False)
    else:
        amount, scale, formula_inel = comp.formula()
        formula_null = amount.is_null()
        # uplifts (when the match is True), then per-claim caps, then one rounding; a match that
        # depends on an input not given leaves the line undecided
        for up in rule.uplifts:
            m, s = _scaled(comp.param(up.factor))
            factor = _lit(10**s + m)
            um = comp.match(up.when)
            mod_nulls.append(um.is_null())
            amount = pl.when(um.fill_null(False)).then(amount * factor).otherwise(amount * _lit(10**s))
            scale += s
        for cap in rule.caps:
            if cap.scope != "claim":
                continue
            limit = comp.param(cap.param)
            ms, ss = _scaled(limit)
            if ss > scale:
                amount, scale = amount * _lit(10 ** (ss - scale)), ss
            limit_at = _lit(ms * 10 ** (scale - ss))
            cm = comp.match(cap.when)
            mod_nulls.append(cm.is_null())
            amount = pl.when(cm.fill_null(False) & (amount > limit_at)).then(limit_at).otherwise(amount)
        fen_expr = _to_fen(amount, scale)

    status = (
        pl.when(~subject_ok | any_failed)
        .then(pl.when(any_failed & ~failed_elig & subject_ok).then(pl.lit("excluded")).otherwise(pl.lit("ineligible")))
    )
    if isinstance(rule.formula, NotQuantified):
        status = status.when(any_null).then(pl.lit("undecided")).otherwise(pl.lit("not_quantified"))
    else:
        status = (status.when(any_null).then(pl.lit("undecided"))
                  .when(formula_null).then(pl.lit("undecided"))
                  .when(formula_inel).then(pl.lit("ineligible"))
                  .when(pl.any_horizontal(mod_nulls) if mod_nulls else pl.lit(False)).then(pl.lit("undecided"))
                  .otherwise(pl.lit("awarded")))
    out = frame.with_columns(status.alias("_status")).with_columns(
        pl.when(pl.col("_status") == "awarded").then(fen_expr).otherwise(_lit(0)).alias("_fen128"))
    too_big = pl.col("_fen128") > _lit(2**62)
    return out.select(
        "_i", "_status",
        pl.when(too_big).then(None).otherwise(pl.col("_fen128")).cast(pl.Int64).alias("_fen"),
        (~pl.col("_ok") | too_big.fill_null(False)).alias("_fb"),
        (comp.tier_label() if isinstance(rule.formula, TierTable) else pl.lit(None, dtype=pl.String)).alias("_tier"),
    )


def _to_fen(amount: pl.Expr, scale: int) -> pl.Expr:
    """ROUND_HALF_UP to the 分 of a non-negative amount in 元 × 10^scale."""
    if scale <= 2:
        return amount * _lit(10 ** (2 - scale))
    unit = 10 ** (scale - 2)
    return (amount * 2 + _lit(unit)) // _lit(2 * unit)


def _interest(comp: _RuleCompiler, rule: Rule) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    f = rule.formula
    assert isinstance(f, InterestAtRate)
    if rule.uplifts or rule.caps:
        raise Unsupported("interest with modifiers")
    (p, ps), (r, rs), (d, ds), (paid, pds) = (comp.num(x) for x in (f.principal, f.annual_rate_percent, f.days, f.interest_paid))
    bm, bs = _scaled(comp.param(f.day_basis))
    # interest (元) = p/10^ps · r/10^rs / 100 · d/10^ds / (bm/10^bs);  in 分: × 100
    num = p * r * d * _lit(10**bs)
    den = _lit(bm * 10 ** (ps + rs + ds))
    # paid in 分 as a fraction over the same denominator: paid/10^pds 元 = paid·10^(2-pds) 分
    paid_fen = paid * _lit(10 ** (2 - pds)) if pds <= 2 else None
    if paid_fen is None:
        raise Unsupported("interest paid with more than 2 decimals")
    capped = num >= paid_fen * den
    fen = pl.when(capped).then(paid_fen).otherwise((num * 2 + den) // (den * 2))
    any_null = p.is_null() | r.is_null() | d.is_null() | paid.is_null()
    return fen, any_null, pl.lit(False)


def subject_category_code(yr: YearRules, subject: str, category: str) -> tuple[pl.Expr, int]:
    """(subject, category) ids in two columns as one exact integer in ``range(width)``, and width.
    A missing or unknown id counts as its own value (0)."""
    subjects = {s.id: k + 1 for k, s in enumerate(yr.vocabulary.subjects)}
    categories = {c.id: k + 1 for k, c in enumerate(yr.vocabulary.categories)}
    code = (pl.col(subject).replace_strict(subjects, default=0, return_dtype=pl.Int64).fill_null(0) * (len(categories) + 1)
            + pl.col(category).replace_strict(categories, default=0, return_dtype=pl.Int64).fill_null(0))
    return code, (len(subjects) + 1) * (len(categories) + 1)


def _runs(keys: list[str]) -> pl.Expr:
    """On rows sorted so that equal keys are adjacent: True at the first row of each run of equal keys."""
    changed = [pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys]
    return pl.any_horizontal(changed) | (pl.int_range(0, pl.len()) == 0)


def _cross_row(rows: pl.DataFrame, yr: YearRules) -> pl.DataFrame:
    """Once-per-household, exclusive groups and shared caps, per applicant group, in row order.

    Mirrors ``engine._cross_claim``: of lines that exclude each other (once per household; one
    construction award per project) the highest is paid, the first of equals winning; then
    shared caps in row order, where the amount used after line k is min(cap, running sum).

    An applicant group is (applicant, subject, category). Only lines awarded before this step,
    of a rule with a once-group, an exclusive group or a shared cap, can change. Each step sorts
    its own lines by group and row and works on runs of equal keys in that order (segments, not
    windows); the group is one exact integer made of the applicant's number and its subject and
    category.

    Args:
        rows: ``_i`` (row index), ``_aid`` (``roster.applicant_ids``), ``_subject``, ``_category``,
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
    cap_values: dict[tuple[str, str], set[int]] = {}
    applies = pl.lit(None, dtype=pl.Boolean)
    for rid, r in yr.rules.items():
        shared = [c for c in r.caps if c.scope != "claim"]
        if not shared:
            continue
        if len(shared) > 1:
            raise Unsupported("several shared caps on one rule")
        cap = shared[0]
        fen = _at(yr.param(r, cap.param).value, 2)
        cap_of[rid] = (cap.scope, cap.group or "", fen)
        cap_values.setdefault((cap.scope, cap.group or ""), set()).add(fen)
        m = _RuleCompiler(yr, r, yr.vocabulary.groups).match(cap.when, with_inputs=False)
        applies = pl.when(pl.col("_rule") == rid).then(m).otherwise(applies)
    if any(len(v) > 1 for v in cap_values.values()):
        raise Unsupported("one cap group with different limits")
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
    }, schema={"_rule": pl.String, "_once": pl.Int32, "_excl": pl.Int32, "_cap": pl.Int32, "_cproj": pl.Boolean, "_climit": pl.Int64})
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
    r = r.with_columns(*(table.get_column(c).gather(t) for c in ("_once", "_excl", "_cap", "_cproj", "_climit"))).drop("_t")
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
    # 2. exclusive groups per project: the highest is paid (a claim without a project label stands alone)
    r = keep_highest(r, pl.col("_excl").is_not_null() & pl.col("_project").is_not_null(), ["_excl", "_project"])
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
                               pl.when(pl.col("_cproj") & pl.col("_project").is_null()).then(pl.col("_i")).alias("_alone"))
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
