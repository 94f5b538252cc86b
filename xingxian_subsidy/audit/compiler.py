"""The vectorised path's rule compiler: one rule of the pack → polars expressions over exact
integers (``rule_exprs``), each formula kind compiled by its own function (``COMPILE``, filed by
``@compiles(Kind)``; ``FALLS_BACK`` names the kinds left to the reference engine), inputs read
from the roster's text cells at a known decimal scale (``SCALE``), statuses as small integer codes
(``STATUS_CODE``). ``vector.compute_vector`` assembles the rules' expressions into one pass and
applies the cross-row limits; the module docstring there says what the path guarantees."""


from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import polars as pl

from ..core.inputforms import FALSE_WORDS, TRUE_WORDS
from ..core.money import MAX_PERCENT
from ..pack.formulas import (
    DecidedWithinRange,
    FirstPlusAdditional,
    Fixed,
    FormulaBase,
    InterestAtRate,
    NotQuantified,
    PerUnit,
    PooledRate,
    ShareOfCost,
    TierTable,
    registrar,
)
from ..pack.loader import YearRules
from ..pack.models import Condition, InputSpec, Match, ValueRef
from ..pack.rule import Rule
from ..pack.semantics import category_match, match_steps, pooled_rate, tier_bounds
from .columns import ColumnMap
from .exprs import I128, Unsupported, at_scale, compile_match, lit, scaled, tier_tests

__all__ = ["COMPILE", "FALLS_BACK", "LINE_STATUSES", "MAX_INT_DIGITS", "SCALE", "STATUS_CODE", "Compiled", "RuleCompiler", "RuleExprs", "by_rule", "compiles", "plain_bool_columns", "rule_exprs"]

# Input values with at most this many digits before the point are done here; larger ones fall back.
MAX_INT_DIGITS = 9


# Decimal places read exactly for each input type (more places fall back).
SCALE = {"integer": 0, "money": 2, "decimal": 6}


# A line's status before the cross-row limits, held as a small integer while computing (the
# engine's words only at the end: comparing and choosing integers is much cheaper than text).
LINE_STATUSES = ("awarded", "ineligible", "excluded", "undecided", "not_quantified")


STATUS_CODE = {w: k for k, w in enumerate(LINE_STATUSES)}


def _status(word: str) -> pl.Expr:
    return pl.lit(STATUS_CODE[word], dtype=pl.UInt8)


class RuleCompiler:
    """Expressions for one rule over a frame holding its rows (columns named ``in:<input>``)."""

    def __init__(self, yr: YearRules, rule: Rule, scales: dict[str, int] | None = None, prefix: str = "in:"):
        self.yr, self.rule = yr, rule
        self.scales = scales or {}  # inputs held at another scale than their type's (units counted across rows)
        self.prefix = prefix  # the parsed inputs' columns are named prefix + input name (one prefix per rule)

    def col(self, name: str) -> pl.Expr:
        return pl.col(self.prefix + name)

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
        return self.col(name), self.scales.get(name, SCALE[spec.type])

    def units(self, f: FormulaBase) -> tuple[pl.Expr, int]:
        """The units a formula counts after its caps on units per claim (in the rule's order, as
        ``engine.formulas.counted_units``): null when the quantity, or whether a cap applies, is
        not given. Caps shared between rows were applied before (``compute_vector``)."""
        name = f.units()
        assert name is not None
        q, scale = self.num(name)
        null = pl.lit(None, dtype=I128)
        for cap in self.rule.caps:
            if cap.of != "units" or cap.scope != "claim":
                continue
            applies = self.match(cap.when)
            limit, ls = self.value_ref(cap.param, none_is_null=False)  # null: undecided; below 0: no case, no limit
            if ls > scale:
                q, scale = q * lit(10 ** (ls - scale)), ls
            limit = limit * lit(10 ** (scale - ls))
            q = (pl.when(applies.is_null()).then(null).when(~applies).then(q)
                 .when(limit.is_null()).then(null).when(limit < 0).then(q)
                 .when(q > limit).then(limit).otherwise(q))
        return q, scale

    # -- matches (three-valued, in the engine's order: first non-True answer wins; pack.semantics)
    def match(self, m: Match) -> pl.Expr:
        return compile_match(match_steps(m, self.yr.vocabulary), self.choice)

    def choice(self, name: str) -> pl.Expr:
        """The column of a choice input (a match tests only those)."""
        if self.spec(name).type != "choice":
            raise Unsupported("a match on a non-choice input")
        return self.col(name)

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
        if c.category:  # the household category against the groups named (pack.semantics.category_match)
            return self.match(category_match(c))
        if c.ratio_of is not None:
            (n, ns), (d, ds) = self.num(c.ratio_of[0]), self.num(c.ratio_of[1])
            if c.op not in ("ge", "gt", "le", "lt"):
                raise Unsupported("ratio with a non-numeric op")
            t, ts = scaled(self.param(c.threshold or ""))
            # n/10^ns ÷ d/10^ds  op  t/10^ts   ⇔   n·10^ds·10^ts  op  t·d·10^ns   (d > 0)
            left = n * lit(10 ** (ds + ts))
            right = d * lit(t * 10**ns)
            cmp = {"ge": left >= right, "gt": left > right, "le": left <= right, "lt": left < right}[c.op]
            return pl.when(n.is_null() | d.is_null()).then(null).when(d == 0).then(pl.lit(False)).otherwise(cmp)
        assert c.input is not None
        spec = self.spec(c.input)
        col = self.col(c.input)
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
        t = at_scale(self.param(c.threshold or ""), s) if scaled(self.param(c.threshold or ""))[1] <= s else None
        if t is None:
            ts = scaled(self.param(c.threshold or ""))[1]
            left, right = v * lit(10 ** (ts - s)), lit(scaled(self.param(c.threshold or ""))[0])
        else:
            left, right = v, lit(t)
        cmp = {"ge": left >= right, "gt": left > right, "le": left <= right, "lt": left < right}[c.op or ""]
        return pl.when(v.is_null()).then(null).otherwise(cmp)

    # -- a value that may depend on cases: (expr at scale, scale), null when undecided
    def value_ref(self, ref: ValueRef, none_is_null: bool = True) -> tuple[pl.Expr, int]:
        """A value by cases; when no case applies, null (undecided, as ``engine.formulas.pick``) —
        or, with ``none_is_null=False`` (a cap's limit: no case, no limit), -1."""
        if isinstance(ref, str):
            m, s = scaled(self.param(ref))
            return lit(m), s
        scale = max(scaled(self.param(case.param))[1] for case in ref)
        expr: Any = None
        null = pl.lit(None, dtype=I128)
        for case in ref:
            ok = self.match(case.when)
            val = lit(at_scale(self.param(case.param), scale))
            expr = (pl.when(ok.is_null()).then(null) if expr is None else expr.when(ok.is_null()).then(null)).when(ok).then(val)
        return expr.otherwise(null if none_is_null else lit(-1)), scale

    def tier_bounds(self) -> list[tuple[Any, pl.Expr]]:
        """(tier, whether the input lies in it) for each tier of a tier_table rule, in order (pack.semantics)."""
        f = self.rule.formula
        assert isinstance(f, TierTable)
        v, vs = self.num(f.input)
        bounds = tier_bounds(f, lambda name: self.yr.param(self.rule, name))
        return [(b.tier, ok) for b, ok in zip(bounds, tier_tests(bounds, v, vs))]

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
        too_big = (value > lit(int(MAX_PERCENT) * 10**scale)).fill_null(False)
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


def plain_bool_columns(df: pl.DataFrame, columns: list[str]) -> set[str]:
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


@dataclass
class RuleExprs:
    """One rule compiled over the whole roster (only its own rows' values are used).

    Attributes:
        prefix: the prefix of the columns this rule's expressions make and read.
        parsed: the rule's inputs read from their cells (columns named with the rule's prefix)
            and whether this path read them all (``prefix + "_ok"``).
        status: the line status before cross-row limits (a code of ``LINE_STATUSES``), which the
            caller puts in the column ``prefix + "_st"``;
        fen128: the amount in 分 (Int128; 0 unless awarded), from that column, which the caller
            puts in ``prefix + "_f"``;
        fen, fb, tier: from those columns, the amount in 分 (Int64; null when too large), whether
            the row is left to the reference engine (a cell this path does not read, an amount
            too large), and the tier label (tier tables).
        fb_own: as ``fb``, from the expressions themselves (before those columns exist).
        q: the units the row counts on its own (rules under caps on units shared between rows).
        units_col: the column of those units, which the rows pay on (replaced by the units
            counted across rows).
        hv: for a tier table on the applicant's total (``basis: applicant``), what an awarded row
            adds to that total (its input, an integer at the input's scale), placed later across
            rows (``crossrow.applicant_tiers``); None for other rules.
    """

    prefix: str
    parsed: list[pl.Expr]
    status: pl.Expr
    fen128: pl.Expr
    fen: pl.Expr
    fb: pl.Expr
    fb_own: pl.Expr
    tier: pl.Expr
    q: pl.Expr | None = None
    units_col: str | None = None
    hv: pl.Expr | None = None


def by_rule(exprs: dict[str, pl.Expr], dtype: Any, default: Any = None) -> pl.Expr:
    """Each row's value from its own rule's expression (``default`` for a row of no rule here)."""
    out: Any = None
    for rid, e in exprs.items():
        if e is None:
            continue
        hit = pl.col("_rule") == rid
        out = pl.when(hit).then(e) if out is None else out.when(hit).then(e)
    fallback = pl.lit(default, dtype=dtype)
    return fallback if out is None else out.otherwise(fallback).cast(dtype)


def rule_exprs(yr: YearRules, rule: Rule, cmap: ColumnMap, prefix: str, plain_bools: set[str] = frozenset(),
                units_scale: int | None = None) -> RuleExprs:
    """Compile one rule: its status and amount in 分 before cross-row limits (``RuleExprs``).

    For a rule under caps on units shared between rows, ``units_scale`` is the scale its units
    are held at; its rows also give ``q``, the units each counts on its own, and pay on
    ``units_col`` (which the caller replaces with the units counted across rows).
    """
    units = rule.formula.units()
    scales = {units: units_scale} if units_scale is not None and units is not None else {}
    comp = RuleCompiler(yr, rule, scales, prefix)
    compile_formula = COMPILE.get(rule.formula.kind)
    if compile_formula is None:
        raise Unsupported(rule.formula.kind)
    parsed_cols: list[pl.Expr] = []
    oks: list[pl.Expr] = []
    for spec in rule.inputs:
        cols = cmap.inputs[rule.id].get(spec.name, [])
        cell = pl.coalesce([pl.col(c) for c in cols]) if cols else pl.lit(None, dtype=pl.String)
        if spec.type in SCALE:
            value, ok = _parse_numeric(cell, spec)
            if spec.name in scales:
                assert units_scale is not None
                value = value * lit(10 ** (units_scale - SCALE[spec.type]))
        elif spec.type == "boolean":
            value, ok = _parse_bool(cell, plain=bool(cols) and all(c in plain_bools for c in cols))
        else:
            value, ok = _parse_choice(cell, spec)
        parsed_cols.append(value.alias(prefix + spec.name))
        oks.append(ok)
    parsed_cols.append((pl.all_horizontal(oks) if oks else pl.lit(True)).alias(prefix + "_ok"))

    conds = [comp.condition(c) for c in rule.conditions]
    kinds = [c.kind for c in rule.conditions]
    subject_ok = pl.col("_subject").is_in(rule.subjects)
    failed = [c.fill_null(True).not_() for c in conds]  # True where the condition is False
    any_failed = pl.any_horizontal(failed) if failed else pl.lit(False)
    failed_elig = pl.any_horizontal([f for f, k in zip(failed, kinds) if k != "exclusion"]) if any(k != "exclusion" for k in kinds) else pl.lit(False)
    any_null = pl.any_horizontal([c.is_null() for c in conds]) if conds else pl.lit(False)

    compiled = compile_formula(comp, rule.formula)
    mod_nulls: list[pl.Expr] = []
    claim_caps = [cap for cap in rule.caps if cap.scope == "claim" and cap.of == "amount"]
    if compiled.fen:
        if compiled.decided == "awarded" and (rule.uplifts or claim_caps):
            raise Unsupported("an uplift or cap on an amount computed in 分")
        fen_expr = compiled.amount
    else:
        amount, scale = compiled.amount, compiled.scale
        # uplifts (when the match is True), then per-claim caps, then one rounding; a match that
        # depends on an input not given leaves the line undecided
        for up in rule.uplifts:
            m, s = scaled(comp.param(up.factor))
            factor = lit(10**s + m)
            um = comp.match(up.when)
            mod_nulls.append(um.is_null())
            amount = pl.when(um.fill_null(False)).then(amount * factor).otherwise(amount * lit(10**s))
            scale += s
        for cap in claim_caps:
            limit, ss = comp.value_ref(cap.param, none_is_null=False)  # null: undecided; below 0: no case, no limit
            if ss > scale:
                amount, scale = amount * lit(10 ** (ss - scale)), ss
            limit_at = limit * lit(10 ** (scale - ss))
            cm = comp.match(cap.when)
            mod_nulls.append(cm.is_null() | (cm.fill_null(False) & limit_at.is_null()))
            amount = pl.when(cm.fill_null(False) & (limit_at >= 0) & (amount > limit_at)).then(limit_at).otherwise(amount)
        fen_expr = _to_fen(amount, scale)
    undecided = compiled.undecided if compiled.undecided is not None else compiled.amount.is_null()
    status = (
        pl.when(~subject_ok | any_failed)
        .then(pl.when(any_failed & ~failed_elig & subject_ok).then(_status("excluded")).otherwise(_status("ineligible")))
        .when(any_null).then(_status("undecided"))
        .when(undecided).then(_status("undecided"))
        .when(compiled.ineligible).then(_status("ineligible"))
        .when(pl.any_horizontal(mod_nulls) if mod_nulls else pl.lit(False)).then(_status("undecided"))
        .otherwise(_status(compiled.decided))
    )
    fen128 = pl.col(prefix + "_f")
    too_big = fen128 > lit(2**62)
    f = rule.formula
    per_applicant = isinstance(f, TierTable) and f.per_applicant
    hv = None
    if per_applicant:  # placed on the applicant's total later (crossrow.applicant_tiers): what each counted row adds
        assert isinstance(f, TierTable)
        hv = pl.when(pl.col(prefix + "_st") == STATUS_CODE["awarded"]).then(comp.num(f.input)[0]).cast(pl.Int64)
    return RuleExprs(
        prefix=prefix, parsed=parsed_cols, status=status,
        fen128=pl.when(pl.col(prefix + "_st") == STATUS_CODE["awarded"]).then(fen_expr).otherwise(lit(0)),
        fen=pl.when(too_big).then(None).otherwise(fen128).cast(pl.Int64),
        fb=~pl.col(prefix + "_ok") | too_big.fill_null(False),
        fb_own=~pl.col(prefix + "_ok") | (pl.when(status == STATUS_CODE["awarded"]).then(fen_expr).otherwise(lit(0)) > lit(2**62)).fill_null(False),
        tier=comp.tier_label() if isinstance(f, TierTable) and not per_applicant else pl.lit(None, dtype=pl.String),
        hv=hv,
        q=compiled.units if scales else None,
        units_col=prefix + units if scales and units is not None else None,
    )


def _to_fen(amount: pl.Expr, scale: int) -> pl.Expr:
    """ROUND_HALF_UP to the 分 of a non-negative amount in 元 × 10^scale."""
    if scale <= 2:
        return amount * lit(10 ** (2 - scale))
    unit = 10 ** (scale - 2)
    return (amount * 2 + lit(unit)) // lit(2 * unit)


@dataclass
class Compiled:
    """A formula compiled for one rule's rows.

    Attributes:
        amount: the amount before uplifts and caps, an integer of 元 × 10^``scale`` (or of 分,
            rounded, when ``fen``); null when an input it needs is not given.
        scale: the decimal scale of ``amount``.
        ineligible: True where the formula itself makes the line ineligible (below every tier,
            an amount outside its range).
        undecided: when the line is undecided (default: where ``amount`` is null).
        fen: ``amount`` is already whole 分: no uplift, cap or rounding follows.
        decided: the line's status when nothing else decides it (``not_quantified`` for support
            listed without a figure).
        units: for a formula that counts units, the units counted after its caps on units per
            claim (at the scale of its quantity input).
    """

    amount: pl.Expr
    scale: int
    ineligible: pl.Expr
    undecided: pl.Expr | None = None
    fen: bool = False
    decided: str = "awarded"
    units: pl.Expr | None = None


Compiler = Callable[[RuleCompiler, FormulaBase], Compiled]


COMPILE: dict[str, Compiler] = {}  # formula kind → its compilation


FALLS_BACK: frozenset[str] = frozenset()  # formula kinds left to the reference engine (none today)


compiles = registrar(COMPILE)  # @compiles(Kind) files a function under its formula kind


_FALSE = pl.lit(False)


@compiles(PerUnit)
def _per_unit(comp: RuleCompiler, f: PerUnit) -> Compiled:
    # the declared quantity (f.declared) is shown by the engine, and pays nothing: the accepted one pays
    (q, qs), (r, rs) = comp.units(f), comp.value_ref(f.rate)
    return Compiled(q * r, qs + rs, _FALSE, units=q)


@compiles(PooledRate)
def _pooled_rate(comp: RuleCompiler, f: PooledRate) -> Compiled:
    # the rate is a number of the rule data (pool ÷ total, rounded as published): worked out once
    _, rate = pooled_rate(f, lambda name: comp.yr.param(comp.rule, name))
    (q, qs), (r, rs) = comp.units(f), scaled(rate)
    return Compiled(q * lit(r), qs + rs, _FALSE, units=q)


@compiles(Fixed)
def _fixed(comp: RuleCompiler, f: Fixed) -> Compiled:
    a, s = comp.value_ref(f.amount)
    return Compiled(a, s, _FALSE)


@compiles(ShareOfCost)
def _share_of_cost(comp: RuleCompiler, f: ShareOfCost) -> Compiled:
    (c, cs), (r, rs) = comp.num(f.cost), comp.value_ref(f.share)
    return Compiled(c * r, cs + rs, _FALSE)


@compiles(TierTable)
def _tier_table(comp: RuleCompiler, f: TierTable) -> Compiled:
    v, _ = comp.num(f.input)
    if f.per_applicant:
        # the applicant's total is placed across rows (crossrow.applicant_tiers), after every row is
        # read: the bounds must compile now (else the rule is left to the reference engine here)
        comp.tier_bounds()
        return Compiled(pl.when(v.is_null()).then(pl.lit(None, dtype=I128)).otherwise(lit(0)), 2, _FALSE, fen=True)
    scale = max(scaled(comp.param(t.award))[1] for t in f.tiers)
    expr: Any = None
    in_none = pl.lit(True)
    for t, ok in comp.tier_bounds():
        award = lit(at_scale(comp.param(t.award), scale))
        expr = pl.when(ok).then(award) if expr is None else expr.when(ok).then(award)
        in_none = in_none & ~ok
    amount = expr.otherwise(lit(0))
    return Compiled(pl.when(v.is_null()).then(pl.lit(None, dtype=I128)).otherwise(amount), scale, in_none.fill_null(False))


@compiles(FirstPlusAdditional)
def _first_plus_additional(comp: RuleCompiler, f: FirstPlusAdditional) -> Compiled:
    n, ns = comp.num(f.count)
    if ns != 0:
        raise Unsupported("count with decimals")
    (a, as_), (b, bs) = scaled(comp.param(f.first)), scaled(comp.param(f.additional))
    scale = max(as_, bs)
    first, more = lit(a * 10 ** (scale - as_)), lit(b * 10 ** (scale - bs))
    return Compiled(pl.when(n == 0).then(lit(0)).otherwise(first + more * (n - 1)), scale, _FALSE)


@compiles(DecidedWithinRange)
def _decided_within_range(comp: RuleCompiler, f: DecidedWithinRange) -> Compiled:
    a, s = comp.num(f.amount)
    lo, hi = lit(at_scale(comp.param(f.min), s)), lit(at_scale(comp.param(f.max), s))
    out = (a < lo) | (a > hi)
    return Compiled(pl.when(out).then(lit(0)).otherwise(a), s, out.fill_null(False))


@compiles(InterestAtRate)
def _interest_at_rate(comp: RuleCompiler, f: InterestAtRate) -> Compiled:
    (p, ps), (r, rs), (d, ds), (paid, pds) = (comp.num(x) for x in (f.principal, f.annual_rate_percent, f.days, f.interest_paid))
    bm, bs = scaled(comp.param(f.day_basis))
    # interest (元) = p/10^ps · r/10^rs / 100 · d/10^ds / (bm/10^bs);  in 分: × 100
    num = p * r * d * lit(10**bs)
    den = lit(bm * 10 ** (ps + rs + ds))
    # paid in 分 as a fraction over the same denominator: paid/10^pds 元 = paid·10^(2-pds) 分
    if pds > 2:
        raise Unsupported("interest paid with more than 2 decimals")
    paid_fen = paid * lit(10 ** (2 - pds))
    capped = num >= paid_fen * den
    fen = pl.when(capped).then(paid_fen).otherwise((num * 2 + den) // (den * 2))
    any_null = p.is_null() | r.is_null() | d.is_null() | paid.is_null()
    return Compiled(fen, 2, _FALSE, undecided=any_null, fen=True)


@compiles(NotQuantified)
def _not_quantified(comp: RuleCompiler, f: NotQuantified) -> Compiled:
    return Compiled(lit(0), 2, _FALSE, undecided=_FALSE, fen=True, decided="not_quantified")
