"""What a variant of the rules would cost: recompute a roster under the base rules and a variant,
row by row, exact to the 分.

Both computations take the audit's compute stage (the vectorised path, the reference engine for
what it cannot do). The variant recomputes only the rows it can move: the rows of every applicant
with a row of a rule the variant changes (``pack.diff.rules_moved``: the rule, a parameter it
uses, or a limit across claims it shares); every other row's award is the base's, unchanged by
construction. ``full=True`` recomputes every row (``tests/test_simulate.py`` proves both equal).

Amounts are integer 分. A row's award is its recomputed amount when the line is paid (awarded or
limited) and 0 otherwise (ineligible, excluded, undecided, not quantified); a row with an input
error has no award under either and is counted apart. The figures: totals, the change by
township, village, rule and tier, the rows and households that gain, lose or are unchanged, and
every row that changes (amount or status).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import polars as pl

from ..pack.diff import Entry, diff_years, rules_moved
from ..pack.loader import RulePack, YearRules
from .columns import map_columns
from .compute import compute_rows
from .frame import base_frame, named_rules
from .parse import ParseMemo, same_cell_words
from .read import Roster, read_roster
from .summaries import tier_labels

__all__ = ["PAID", "READING_THREADS", "ReadingRun", "Simulation", "compare_readings", "reading_impacts", "recompute_readings", "simulate"]

PAID = ("awarded", "limited")

READING_THREADS = 2  # readings recomputed at once (reading_impacts)

_KEEP = ["row", "township", "village", "name", "id_number", "aid"]


@dataclass
class Simulation:
    """A roster under two sets of rules (base, variant), row by row and summed.

    ``rows`` has one row per roster row, in order: the fixed columns, ``rule`` (under the base;
    the variant's where the base does not know it), the line status, award (分) and tier under
    each (``base_*``, ``variant_*``) and ``change_fen`` = variant − base. The tables (Int64 分):
    ``by_township``, ``by_village``, ``by_rule``, ``by_tier`` (rule, base tier, variant tier).
    """

    rows: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    counts: dict[str, int]
    totals: dict[str, int]
    differences: list[Entry]
    stamp: dict[str, Any]
    rule_names: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> pl.DataFrame:
        """The rows whose award or line status differs, in input order."""
        return self.rows.filter((pl.col("change_fen") != 0) | pl.col("base_status").ne_missing(pl.col("variant_status")))


def _computed(roster: Roster, yr: YearRules, pack: RulePack, tick: Callable, fixed: pl.DataFrame | None = None,
              memo: ParseMemo | None = None, at: list[int] | None = None) -> pl.DataFrame:
    """line status, paid amount (分, 0 when not paid, null on an input error) and tier of every row.

    ``fixed``: the roster's ``frame.base_frame`` under rules that read its cells as ``yr`` does
    (``parse.same_cell_words``), if the caller has it; else it is made here. ``memo``: the rows
    parsed by the computation under the rules in force, whose roster's rows ``at`` these are
    (``parse.ParseMemo``: used only if ``yr`` reads rows alike)."""
    cmap = map_columns(roster.frame.columns, yr, roster.source)
    base = fixed if fixed is not None else base_frame(roster, cmap, yr)
    c = compute_rows(roster, cmap, yr, pack, base, "vector", tick, memo.view(yr, cmap, at) if memo is not None else None)
    st = base.select("rule").with_columns(c.status.alias("line_status"))
    tier = tier_labels(st, c.tier)
    return pl.DataFrame([
        base.get_column("rule"), c.status.alias("status"),
        pl.select(pl.when(c.status.is_null()).then(None).when(c.status.is_in(PAID)).then(c.fen.fill_null(0)).otherwise(0)).to_series().alias("fen"),
        tier.alias("tier")])


def _subset(roster: Roster, mask: pl.Series) -> tuple[Roster, list[int]]:
    """The rows of ``roster`` where ``mask`` holds (their row numbers, sheets and files with them),
    and their places in ``roster``."""
    idx = mask.arg_true().to_list()
    sheet = [roster.sheet[i] for i in idx] if roster.sheet is not None else None
    file = [roster.file[i] for i in idx] if roster.file is not None else None
    return dataclasses.replace(roster, frame=roster.frame.filter(mask), rows=[roster.rows[i] for i in idx], sheet=sheet, file=file), idx


def simulate(roster: Roster | Path | str, pack: RulePack, base: YearRules, variant: YearRules, variant_pack: RulePack | None = None,
             *, full: bool = False, lang: str = "zh", progress: Callable[[str, int, int], None] | None = None) -> Simulation:
    """Recompute ``roster`` under ``base`` and ``variant`` and compare, exact to the 分.

    Args:
        roster: a Roster or a path to read.
        pack: the pack of ``base``; ``variant_pack`` the one of ``variant`` (default: ``pack``).
        base, variant: the two years' rules.
        full: recompute every row under the variant, not only the rows it can move.
        lang: the language of rule names and the stamp.
        progress: called as ``progress(stage, done, total)``.

    Returns:
        The Simulation (every input row once, in order).
    """
    tick = progress or (lambda *a: None)
    if not isinstance(roster, Roster):
        roster = read_roster(roster)
    n = roster.frame.height
    vpack = variant_pack or pack
    cmap = map_columns(roster.frame.columns, base, roster.source)
    fixed = base_frame(roster, cmap, base)
    memo = ParseMemo(base, cmap)  # the rows parsed under base, for the variant where it reads them alike
    b = _computed(roster, base, pack, tick, memo=memo)
    moved = None if full else rules_moved(base, variant)
    if moved is None:
        mask = pl.repeat(True, n, dtype=pl.Boolean, eager=True)
    else:
        # the rule each row names under the variant, read as base_frame reads it (frame.rule_ids)
        vrule = named_rules(fixed.get_column("rule_raw"), variant)
        touched = fixed.get_column("rule").is_in(list(moved)).fill_null(False) | vrule.is_in(list(moved)).fill_null(False)
        aids = fixed.get_column("aid").filter(touched).unique()
        mask = fixed.get_column("aid").is_in(aids.implode())
    recomputed = int(mask.sum())
    if recomputed == n:
        v = _computed(roster, variant, vpack, tick, memo=memo)
    elif recomputed == 0:
        v = b.clone()
    else:
        rows, places = _subset(roster, mask)
        part = _computed(rows, variant, vpack, tick, fixed.filter(mask) if same_cell_words(base, variant) else None, memo, places)
        at = mask.arg_true()
        v = b.with_columns(*(b.get_column(c).scatter(at, part.get_column(c)) for c in b.columns))
    rule_names = {rid: r.name.get(lang) for yr in (variant, base) for rid, r in yr.rules.items()}
    rows = fixed.select(_KEEP).with_columns(
        b.get_column("rule").fill_null(v.get_column("rule")).alias("rule"),
        b.get_column("status").alias("base_status"), v.get_column("status").alias("variant_status"),
        b.get_column("fen").alias("base_fen"), v.get_column("fen").alias("variant_fen"),
        (v.get_column("fen").fill_null(0) - b.get_column("fen").fill_null(0)).alias("change_fen"),
        b.get_column("tier").alias("base_tier"), v.get_column("tier").alias("variant_tier"),
    ).with_columns(pl.col("rule").replace_strict(rule_names, default=None).alias("rule_name"))
    tables, counts, totals = _figures(rows, lang)
    counts["rows_recomputed_by_variant"] = recomputed
    stamp = {
        "tool": "xingxian-subsidy",
        "base": pack.label, "base_year": base.year,
        "variant": vpack.label, "variant_year": variant.year,
        "variant_changes": list(variant.variant),
        "input_file": roster.source, "input_sha256": roster.sha256, "rows": n,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "rounding": {"zh": "每行金额四舍五入到分（ROUND_HALF_UP）一次；合计为各行之和", "en": "each line rounded once to the fen (ROUND_HALF_UP); totals are sums of lines"}[lang],
    }
    return Simulation(rows=rows, tables=tables, counts=counts, totals=totals, differences=diff_years(base, variant), stamp=stamp,
                      rule_names=rule_names)


def _figures(rows: pl.DataFrame, lang: str) -> tuple[dict[str, pl.DataFrame], dict[str, int], dict[str, int]]:
    unknown = "（未填）" if lang == "zh" else "(blank)"
    r = rows.lazy().with_columns(pl.col("township").fill_null(unknown), pl.col("village").fill_null(unknown), pl.col("rule").fill_null(unknown),
                                 pl.col("base_fen").fill_null(0).alias("_b"), pl.col("variant_fen").fill_null(0).alias("_v"))
    agg = [pl.len().cast(pl.Int64).alias("rows"), (pl.col("change_fen") != 0).sum().cast(pl.Int64).alias("rows_changed"),
           pl.col("_b").sum().alias("base_fen"), pl.col("_v").sum().alias("variant_fen"), pl.col("change_fen").sum().alias("change_fen")]
    queries = [
        r.group_by("township", maintain_order=True).agg(agg),
        r.group_by("township", "village", maintain_order=True).agg(agg),
        r.group_by("rule", "rule_name", maintain_order=True).agg(agg),
        r.filter(pl.col("base_tier").is_not_null() | pl.col("variant_tier").is_not_null())
         .group_by("rule", "rule_name", "base_tier", "variant_tier", maintain_order=True).agg(agg),
        r.select(*agg),
        r.select(
            (pl.col("change_fen") > 0).sum().alias("rows_gain"), (pl.col("change_fen") < 0).sum().alias("rows_lose"),
            ((pl.col("change_fen") == 0) & pl.col("base_status").is_not_null() & pl.col("variant_status").is_not_null()).sum().alias("rows_unchanged"),
            (pl.col("base_status").is_null() | pl.col("variant_status").is_null()).sum().alias("rows_input_error"),
            pl.col("base_status").ne_missing(pl.col("variant_status")).sum().alias("rows_status_changed")),
        r.group_by("aid").agg(pl.col("change_fen").sum()).select(
            (pl.col("change_fen") > 0).sum().alias("households_gain"), (pl.col("change_fen") < 0).sum().alias("households_lose"),
            (pl.col("change_fen") == 0).sum().alias("households_unchanged")),
    ]
    town, village, rule, tier, total, rc, hc = pl.collect_all(queries)
    totals = {k: int(total.get_column(k)[0] or 0) for k in ("base_fen", "variant_fen", "change_fen", "rows", "rows_changed")}
    counts = {k: int(v or 0) for k, v in {**rc.row(0, named=True), **hc.row(0, named=True)}.items()}
    total_row = total.with_columns(pl.lit("合计" if lang == "zh" else "total").alias("township")).select(town.columns)
    tables = {"by_township": pl.concat([town, total_row]), "by_village": village, "by_rule": rule, "by_tier": tier}
    return tables, counts, totals


def reading_impacts(roster: Roster, pack: RulePack, yr: YearRules, fixed: pl.DataFrame, status: pl.Series, fen: pl.Series,
                    lang: str = "zh", alternatives: dict[tuple[str, str], YearRules] | None = None) -> pl.DataFrame:
    """Per contested reading (register entry and alternative): the rows whose award changes and the money.

    Args:
        roster: the roster; ``fixed`` its ``frame.base_frame`` under ``yr``.
        status, fen: each row's line status and award in 分 under ``yr`` (null where there is none).
        alternatives: the rules under each alternative reading (default ``alternative_years(yr)``;
            the audit gives them narrowed as ``yr`` is, to the conditions the roster carries).

    Returns:
        One row per alternative, in register order: ``entry``, ``title``, ``alternative``, ``label``,
        ``rows`` (rows recomputed: those of applicants with a rule the reading can move), ``rows_changed``,
        ``base_fen``, ``variant_fen`` and ``change_fen`` over the rows that change.
    """
    return compare_readings(recompute_readings(roster, pack, yr, fixed, lang, alternatives), fixed, status, fen)


@dataclass
class ReadingRun:
    """One alternative reading recomputed (:func:`recompute_readings`): its row of the table
    without the figures; ``rows``, the rows of the applicants with a rule it can move; the rows it
    recomputed (``mask``, those of the rules it can move; None when no such rule is present) and
    what they came to under it (``part``: rule, status, fen, tier of those rows)."""

    record: dict[str, Any]
    rows: int = 0
    mask: pl.Series | None = None
    part: pl.DataFrame | None = None


def recompute_readings(roster: Roster, pack: RulePack, yr: YearRules, fixed: pl.DataFrame, lang: str = "zh",
                       alternatives: dict[tuple[str, str], YearRules] | None = None, memo: ParseMemo | None = None) -> list[ReadingRun]:
    """Recompute, under each alternative reading, the rows it can move: the first half of
    :func:`reading_impacts`, which needs no result under ``yr`` (the audit starts it beside its
    own computation). ``memo``: the rows parsed by the computation under ``yr``, shared with it
    (``parse.ParseMemo``; a reading that reads the rows otherwise parses its own)."""
    from ..pack.loader import alternative_years

    present = set(fixed.get_column("rule").drop_nulls().unique().to_list())
    # Only the rows of the rules a reading can move are recomputed: ``rules_moved`` holds every
    # rule that shares a limit across claims with a rule that moves, so no other row of the
    # applicant changes or limits them (``tests/test_readings.py`` checks this against the whole
    # roster recomputed). Several readings often move the same rules (every livestock shed, say):
    # their rows are taken apart once, with their fixed columns, which need not be read again when
    # the reading reads the roster's words as the rules in force do.
    # A reading that reads the roster's words otherwise (it adds or renames a rule) may move rows
    # that name a rule only it knows: the rule each row names under it counts too, and its rows
    # are read afresh under it (their subset is its own).
    Key = tuple[frozenset[str], int | None]
    jobs: list[tuple[ReadingRun, Key | None, YearRules]] = []
    named: dict[int, pl.Series] = {}  # id(reading) → the rule each row names under it (words read otherwise)
    for (entry, alt_id), other in (alternatives if alternatives is not None else alternative_years(yr)).items():
        alt = next(a for a in yr.alternatives[entry] if a.id == alt_id)
        moved = rules_moved(yr, other)
        run = ReadingRun({"entry": entry, "title": yr.interpretations[entry].title.get(lang), "alternative": alt_id,
                          "label": alt.label.get(lang)})
        alike = same_cell_words(yr, other)
        known = present
        if not alike:
            named[id(other)] = named_rules(fixed.get_column("rule_raw"), other)
            known = present | set(named[id(other)].drop_nulls().unique().to_list())
        touches = moved is None or bool(moved & known)
        key = (frozenset(moved if moved is not None else known), None if alike else id(other)) if touches else None
        jobs.append((run, key, other))
    # each subset is taken when first wanted and let go when its last reading is done (a roster's
    # worth of rows need not be held twice over)
    parts: dict[Key, tuple[int, pl.Series, Roster, list[int], pl.DataFrame | None]] = {}
    users = Counter(key for _, key, _ in jobs if key is not None)
    lock = threading.Lock()

    def recompute(job: tuple[ReadingRun, Key | None, YearRules]) -> ReadingRun:
        run, key, other = job
        if key is None:
            return run
        rules, otherwise = key
        with lock:
            if key not in parts:
                at = fixed.get_column("rule").is_in(list(rules)).fill_null(False)
                if otherwise is not None:
                    at = at | named[otherwise].is_in(list(rules)).fill_null(False)
                applicants = int(fixed.get_column("aid").is_in(fixed.get_column("aid").filter(at).unique().implode()).sum())
                parts[key] = (applicants, at, *_subset(roster, at), fixed.filter(at) if otherwise is None else None)
            run.rows, run.mask, rows, places, rows_fixed = parts[key]
        run.part = _computed(rows, other, pack, lambda *a: None, rows_fixed, memo, places)
        with lock:
            users[key] -= 1
            if not users[key]:
                del parts[key]
        return run

    # two at a time: much of a recomputation is Python that leaves a core idle (polars releases the
    # GIL in the rest); the table keeps the register's order
    with ThreadPoolExecutor(max_workers=READING_THREADS) as pool:
        return list(pool.map(recompute, jobs))


def compare_readings(runs: list[ReadingRun], fixed: pl.DataFrame, status: pl.Series, fen: pl.Series) -> pl.DataFrame:
    """The table of :func:`reading_impacts` from its recomputations and each row's result under the
    rules in force."""
    paid = pl.select(pl.when(status.is_null()).then(None).when(status.is_in(PAID)).then(fen.fill_null(0)).otherwise(0)).to_series()
    base = pl.DataFrame([fixed.get_column("rule"), status.alias("status"), paid.alias("fen")])
    out = []
    for run in runs:
        rec = {**run.record, "rows": 0, "rows_changed": 0, "base_fen": 0, "variant_fen": 0, "change_fen": 0}
        if run.mask is not None and run.part is not None:
            part, b = run.part, base.filter(run.mask)
            diff = (part.get_column("fen").fill_null(0) - b.get_column("fen").fill_null(0))
            changed = (diff != 0) | part.get_column("status").ne_missing(b.get_column("status"))
            rec.update(rows=run.rows, rows_changed=int(changed.sum()),
                       base_fen=int(b.get_column("fen").filter(changed).fill_null(0).sum()),
                       variant_fen=int(part.get_column("fen").filter(changed).fill_null(0).sum()), change_fen=int(diff.sum()))
        out.append(rec)
    schema = {"entry": pl.String, "title": pl.String, "alternative": pl.String, "label": pl.String, "rows": pl.Int64, "rows_changed": pl.Int64,
              "base_fen": pl.Int64, "variant_fen": pl.Int64, "change_fen": pl.Int64}
    return pl.DataFrame(out, schema=schema)
