"""The compute stage: every row's line status and award in 分, by the vectorised path where it can,
by the reference engine for the rest (and for everything with ``engine="reference"``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import polars as pl

from ..core.errors import Problem
from ..core.money import fmt_yuan
from ..engine.models import LineItem
from ..pack.loader import RulePack, YearRules
from .columns import ColumnMap
from .parse import ParsedRow, ParseMemo, parse_rows
from .read import Roster
from .reference import RowResult, reference_in_chunks
from .vector import compute_vector

__all__ = ["ENGINES", "MAX_FEN", "Computed", "compute_rows"]

ENGINES = ("vector", "reference")

Tick = Callable[[str, int, int], None]


@dataclass
class Computed:
    """What the compute stage found, row by row (frame indices).

    Attributes:
        status: the engine's line status of every row (null: an input error).
        fen: the award in 分 of every row (null where there is none).
        tier: the tier label (一档…) each row's line was placed in, by the vectorised path or the
            reference engine (null where none was).
        lines: the reference engine's line of each row it computed.
        problems: the input problems of each row the reference parser read.
        fallback: the rows the reference engine computed.
        fallback_group: every row of an applicant with a row the vectorised path did not do;
            they count as explained by the reference engine (not against ``explain_limit``).
        problem_rows: how many of the computed rows had an input problem.
    """

    status: pl.Series
    fen: pl.Series
    tier: pl.Series
    lines: dict[int, LineItem]
    problems: dict[int, list[Problem]]
    fallback: list[int]
    fallback_group: set[int]
    problem_rows: int


# The largest amount a report holds, in 分 (its columns are Int64): 92,233,720,368,547,758.07 元,
# far past the audited range (core.money: amounts up to 10^12 元), within reach only of quantities
# near the largest a user may type (10^15) times a rate.
MAX_FEN = 2**63 - 1


def _fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def _beyond(p: ParsedRow, line: LineItem, cmap: ColumnMap) -> Problem:
    """A line whose amount a report cannot hold, as the row's input error, on the column of the
    largest quantity it used (the one to check)."""
    def size(value: str) -> Decimal:
        try:
            return abs(Decimal(value))
        except ArithmeticError:
            return Decimal(0)

    used = max(line.inputs, key=lambda u: size(u.value), default=None)
    cols = cmap.inputs.get(line.rule_id, {}).get(used.name, []) if used is not None else []
    return Problem(source=p.where, row=p.row, field=cols[0] if cols else cmap.fixed.get("rule"), message={
        "zh": f"核定金额 {fmt_yuan(line.amount)} 元超出可处理的范围：请核对本行填写的数量",
        "en": f"the recomputed amount {fmt_yuan(line.amount)} yuan is beyond what can be handled: check this row's quantities"})


def compute_rows(roster: Roster, cmap: ColumnMap, yr: YearRules, pack: RulePack, base: pl.DataFrame, engine: str,
                 tick: Tick, memo: ParseMemo | None = None) -> Computed:
    """Compute every row (see :class:`Computed`); ``engine`` is one of :data:`ENGINES`. ``memo``:
    rows parsed before, shared with other computations over the same rows (``parse.ParseMemo``)."""
    n = roster.frame.height
    already_parsed: dict[int, ParsedRow] = {}  # rows the vector path read with the reference parser
    if engine == "vector":
        vec = compute_vector(roster, cmap, yr, base, parsed=already_parsed, memo=memo)
        status = vec.get_column("line_status").alias("line_status")
        fen = vec.get_column("award_fen").alias("award_fen")
        fallback = status.is_null().arg_true().to_list()
        fallback_group = set(vec.get_column("fallback_group").arg_true().to_list())
        tier = vec.get_column("tier")
    else:
        status = pl.repeat(None, n, dtype=pl.String, eager=True).alias("line_status")
        fen = pl.repeat(None, n, dtype=pl.Int64, eager=True).alias("award_fen")
        fallback = list(range(n))
        fallback_group = set(fallback)
        tier = pl.repeat(None, n, dtype=pl.String, eager=True)
    lines: dict[int, LineItem] = {}
    problems: dict[int, list[Problem]] = {}
    problem_rows = 0
    tick("compute", 0, max(len(fallback), 1))
    if fallback:
        fresh = iter(parse_rows(roster, cmap, yr, [i for i in fallback if i not in already_parsed], memo))
        parsed = [already_parsed[i] if i in already_parsed else next(fresh) for i in fallback]
        # a fallback row's whole applicant group goes to the reference engine (cross-row limits)
        problem_rows = sum(1 for p in parsed if p.problems)
        res = reference_in_chunks(parsed, yr, pack, tick)
        for k, p in enumerate(parsed):
            r = res.get(p.index)
            if r is not None and r.line is not None and abs(_fen(r.amount) or 0) > MAX_FEN:
                # a new row: the parsed one may be shared (memo), and the amount is this computation's
                parsed[k] = dataclasses.replace(p, problems=[*p.problems, _beyond(p, r.line, cmap)])
                res[p.index] = RowResult(None, None)
                problem_rows += 1
        idx = sorted(res)
        if idx:
            status = status.scatter(idx, pl.Series([res[i].line_status for i in idx], dtype=pl.String))
            fen = fen.scatter(idx, pl.Series([_fen(res[i].amount) for i in idx], dtype=pl.Int64))
        for i, r in res.items():
            if r.line is not None:
                lines[i] = r.line
        # the tier each line was placed in, as the engine placed it (a tier table on the household's
        # total places the household's tier on the line paid)
        placed = [(i, line.tier.zh) for i, line in lines.items() if line.tier is not None]
        if placed:
            tier = tier.scatter([i for i, _ in placed], pl.Series([t for _, t in placed], dtype=pl.String))
        for p in parsed:
            if p.problems:
                problems[p.index] = p.problems
    tick("compute", max(len(fallback), 1), max(len(fallback), 1))
    return Computed(status=status, fen=fen, tier=tier, lines=lines, problems=problems, fallback=fallback,
                    fallback_group=fallback_group, problem_rows=problem_rows)
