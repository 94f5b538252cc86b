"""Statuses and reasons: each row compared with what it claims (一致, 多报, 少报, 不符合条件, 信息不全,
输入有误), the reference engine's explanation of the rows that need one, and the problem list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..engine.models import LineItem
from ..engine.summary import line_summary
from ..pack.loader import RulePack, YearRules
from .checks import NOTE_SCHEMA
from .columns import ColumnMap
from .compute import Computed, Tick
from .parse import parse_rows
from .read import Roster
from .reference import reference_in_chunks
from .report import STATUSES, yuan_text

__all__ = ["Explanations", "issue_frame", "plan_explanations", "reason_texts", "run_explanations", "short_reasons", "statuses", "yuan_expr"]


# The reference engine explains the applicants of the first ``explain_limit`` problem rows, in all at
# most this many rows per row of the limit: an applicant of a million rows (one ID under many
# names) is not explained line by line, its rows get the short reason.
EXPLAIN_ROWS = 10


def statuses(base: pl.DataFrame, bad_rows: pl.DataFrame) -> pl.DataFrame:
    """``base`` (with ``line_status`` and ``award_fen``) with each row's ``status`` and ``diff_fen``;
    a row ``bad_rows`` (``checks.input_errors``) has a message for is 输入有误."""
    st = base.with_columns(
        pl.when(pl.col("line_status").is_null()).then(pl.lit("bad_input"))
        .when(pl.col("line_status").is_in(["ineligible", "excluded"])).then(pl.lit("ineligible"))
        .when(pl.col("line_status").is_in(["undecided", "not_quantified"])).then(pl.lit("incomplete"))
        .when(pl.col("claimed_fen").is_null()).then(pl.lit("incomplete"))
        .when(pl.col("claimed_fen") == pl.col("award_fen")).then(pl.lit("match"))
        .when(pl.col("claimed_fen") > pl.col("award_fen")).then(pl.lit("over"))
        .otherwise(pl.lit("under")).alias("status")
    )
    # a row whose claimed amount could not be read is bad input whatever its award
    bad_claimed = pl.col("claimed_raw").is_not_null() & pl.col("claimed_fen").is_null()
    if bad_rows.height:
        bad_claimed = bad_claimed | pl.int_range(0, pl.len(), dtype=pl.Int64).is_in(bad_rows.get_column("_i").implode())
    st = st.with_columns(pl.when(bad_claimed).then(pl.lit("bad_input")).otherwise(pl.col("status")).alias("status"))
    return st.with_columns(
        pl.when(pl.col("award_fen").is_not_null() & pl.col("claimed_fen").is_not_null())
        .then(pl.col("claimed_fen") - pl.col("award_fen")).otherwise(None).alias("diff_fen")
    )


@dataclass
class Explanations:
    """Which rows get a reason, and the reference-engine runs their reasons need.

    Attributes:
        want: the rows (indices, in order) that get a reason.
        jobs: (kind, rows) for the reference engine: ``need`` — every row of the applicants of
            problem rows the vectorised path did although their applicant fell back; ``explain``
            — the applicants of the other problem rows, up to the limit.
        lines_explained: the rows whose line the reference engine gives (for the stamp).
        unexplained: problem rows beyond the limit, given a shorter reason.
        missing: the rows (indices, in order) the limit counts: wanted, and not given a line
            by the fallback group (the first ``explain_limit`` of them are explained).
    """

    want: list[int]
    jobs: list[tuple[str, list[int]]] = field(default_factory=list)
    lines_explained: int = 0
    unexplained: int = 0
    missing: list[int] = field(default_factory=list)


def plan_explanations(st: pl.DataFrame, computed: Computed, explain: bool, explain_limit: int | None, defer: bool = False) -> Explanations:
    """The rows to explain (all with ``explain``, else those not 一致) and the runs that explain them
    (with ``defer``, none of the rows the limit counts, nor are they counted as past it: the stream
    path, which sees the whole roster, explains its first ones and notes the limit)."""
    n = st.height
    want = list(range(n)) if explain else st.select(pl.arg_where(pl.col("status") != "match")).to_series().to_list()
    plan = Explanations(want=want)
    # problem rows of fallback-group applicants the vector path did itself: the reference engine,
    # on the whole applicant, for their reasons
    group = computed.fallback_group
    done_fallback = group.difference(computed.fallback)
    aids = st.get_column("aid")

    def rows_of_applicants(rows: list[int]) -> list[int]:
        """Every row (index) of the applicants of these rows."""
        wanted = aids.gather(rows).unique()
        return aids.is_in(wanted.implode()).arg_true().to_list()

    plan.lines_explained = len(group) - computed.problem_rows  # a fallback-group row has a line unless it has an input error
    limited = not explain and explain_limit is not None
    budget = EXPLAIN_ROWS * explain_limit if limited and explain_limit else None
    need = [i for i in want if i in done_fallback]
    if need:
        # with the applicant's rows that could not be read: a tier on the applicant's total waits on them
        rows = [i for i in rows_of_applicants(need) if i in done_fallback or i in computed.problems]
        if budget is not None and len(rows) > budget:
            kept, left_out = _within_budget(aids, need, rows, budget)
            plan.unexplained += left_out
            plan.lines_explained -= sum(1 for i in set(rows).difference(kept) if i in done_fallback)  # left without a line
            rows = kept
        if rows:
            plan.jobs.append(("need", rows))
    missing_rows = plan.missing = [i for i in want if i not in group]
    if defer:  # not counted in ``unexplained``: whether the roster passes the limit is the stream path's to say
        missing_rows = []
    elif limited and len(missing_rows) > explain_limit:  # type: ignore[operator]
        plan.unexplained += len(missing_rows) - explain_limit  # type: ignore[operator]
        missing_rows = missing_rows[:explain_limit]
    if missing_rows:
        rows = [i for i in rows_of_applicants(missing_rows) if i not in group]
        if budget is not None and len(rows) > budget:
            rows, left_out = _within_budget(aids, missing_rows, rows, budget)
            plan.unexplained += left_out
        if rows:
            plan.jobs.append(("explain", rows))
    return plan


def _within_budget(aids: pl.Series, wanted: list[int], rows: list[int], budget: int) -> tuple[list[int], int]:
    """The rows of the applicants of ``wanted`` (in the order of their first wanted row) whose rows
    ``rows`` fit in ``budget`` rows in all (``EXPLAIN_ROWS``); an applicant that does not fit is left
    out (its wanted rows get the short reason). Returns the rows kept and how many wanted rows were
    left out."""
    sizes = aids.gather(rows).value_counts(sort=False, name="n")
    size = dict(zip(sizes.get_column(aids.name).to_list(), sizes.get_column("n").to_list()))
    kept: set[int] = set()
    for a in aids.gather(wanted).unique(maintain_order=True).to_list():
        if size[a] <= budget:
            kept.add(a)
            budget -= size[a]
    keep_row = aids.gather(rows).is_in(pl.Series(list(kept), dtype=aids.dtype).implode())
    left_out = int((~aids.gather(wanted).is_in(pl.Series(list(kept), dtype=aids.dtype).implode())).sum())
    return pl.Series(rows, dtype=pl.Int64).filter(keep_row).to_list(), left_out


def run_explanations(plan: Explanations, roster: Roster, cmap: ColumnMap, yr: YearRules, pack: RulePack, computed: Computed,
                     tick: Tick) -> None:
    """Run the plan's reference-engine jobs; their lines and input problems join ``computed``'s."""
    for kind, rows in plan.jobs:
        parsed = parse_rows(roster, cmap, yr, rows)
        for p in parsed:
            if p.problems:
                computed.problems[p.index] = p.problems
        for i, r in reference_in_chunks(parsed, yr, pack, tick, stage="explain").items():
            if r.line is not None:
                computed.lines[i] = r.line
                if kind == "explain":
                    plan.lines_explained += 1


def _own_reason(line: LineItem | None, s: str, c: int | None, a: int | None, lang: str) -> str | None:
    """The reason a computed line gives for its row's status."""
    if line is None:
        return None
    if s in ("over", "under"):
        return ((f"申报 {yuan_text(c)} 元，核定 {yuan_text(a)} 元，{'多报' if s == 'over' else '少报'} {yuan_text(abs(c - a))} 元：" if lang == "zh"  # type: ignore[operator]
                 else f"claimed {yuan_text(c)}, recomputed {yuan_text(a)}, {'over' if s == 'over' else 'under'} by {yuan_text(abs(c - a))}: ")  # type: ignore[operator]
                + line_summary(line, lang))
    if s == "incomplete" and line.status in ("awarded", "limited") and c is None:
        return (f"未填申报金额；核定 {yuan_text(a)} 元：" if lang == "zh" else f"no amount claimed; recomputed {yuan_text(a)}: ") + line_summary(line, lang)
    if s == "incomplete" and line.status == "not_quantified":
        return ("文件未规定金额或比例，无法核算，金额须由县级另行确定并附依据" if lang == "zh"
                else "the document gives no figure: the amount cannot be recomputed and needs the county's own decision")
    return line_summary(line, lang)


def _short_reason(s: str, c: int | None, a: int | None, lang: str, plan: Explanations, limit: int | None) -> list[str]:
    """The reason of a row without a computed line: its status and amounts."""
    word = STATUSES[s].get(lang)
    parts = []
    if s in ("over", "under"):
        parts.append(f"申报 {yuan_text(c)} 元，核定 {yuan_text(a)} 元，{word} {yuan_text(abs(c - a))} 元" if lang == "zh"  # type: ignore[operator]
                     else f"claimed {yuan_text(c)}, recomputed {yuan_text(a)}, {word} by {yuan_text(abs(c - a))}")  # type: ignore[operator]
    elif s == "ineligible":
        parts.append(f"不符合条件，核定 {yuan_text(a)} 元" if lang == "zh" else f"not eligible, recomputed {yuan_text(a)}")
    else:
        parts.append(word)
    if plan.unexplained:
        parts.append(f"逐条原因只列出前 {limit} 个问题行，用 --explain 查看全部" if lang == "zh"
                     else f"itemised reasons are given for the first {limit} problem rows; use --explain for all")
    return parts


def yuan_expr(fen: pl.Expr) -> pl.Expr:
    """``report.yuan_text`` in polars (``tests/test_roster.py`` holds the two equal): 分 as 元 with
    thousands separators (123456 → 1,234.56; null → —)."""
    a = fen.abs()
    y = a // 100
    whole: Any = pl.when(y < 1000).then(y.cast(pl.String))
    for k in range(1, 7):  # up to 10^21 元: past any Int64 of 分
        groups = [(y // 1000**k).cast(pl.String)] + [((y // 1000**j) % 1000).cast(pl.String).str.pad_start(3, "0") for j in range(k - 1, -1, -1)]
        whole = whole.when(y < 1000 ** (k + 1)).then(pl.concat_str(groups, separator=","))
    text = pl.concat_str([pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit("")), whole.otherwise(None), pl.lit("."),
                          (a % 100).cast(pl.String).str.pad_start(2, "0")])
    return pl.when(fen.is_null()).then(pl.lit(yuan_text(None))).otherwise(text)


def short_reasons(rows: pl.DataFrame, lang: str, plan: Explanations, limit: int | None) -> pl.Series:
    """``_short_reason`` of each row of ``rows`` (``status``, ``claimed_fen``, ``award_fen``), as
    columns: the reason of a problem row without a line of the reference engine."""
    s, c, a = pl.col("status"), yuan_expr(pl.col("claimed_fen")), yuan_expr(pl.col("award_fen"))
    d = yuan_expr((pl.col("claimed_fen") - pl.col("award_fen")).abs())
    word = s.replace_strict({k: v.get(lang) for k, v in STATUSES.items()}, default=None, return_dtype=pl.String)
    if lang == "zh":
        over_under = pl.concat_str([pl.lit("申报 "), c, pl.lit(" 元，核定 "), a, pl.lit(" 元，"), word, pl.lit(" "), d, pl.lit(" 元")])
        ineligible = pl.concat_str([pl.lit("不符合条件，核定 "), a, pl.lit(" 元")])
    else:
        over_under = pl.concat_str([pl.lit("claimed "), c, pl.lit(", recomputed "), a, pl.lit(", "), word, pl.lit(" by "), d])
        ineligible = pl.concat_str([pl.lit("not eligible, recomputed "), a])
    text = pl.when(s.is_in(["over", "under"])).then(over_under).when(s == "ineligible").then(ineligible).otherwise(word)
    if plan.unexplained:
        more = (f"逐条原因只列出前 {limit} 个问题行，用 --explain 查看全部" if lang == "zh"
                else f"itemised reasons are given for the first {limit} problem rows; use --explain for all")
        text = pl.concat_str([text, pl.lit(("；" if lang == "zh" else "; ") + more)])
    return rows.select(text.alias("reason")).to_series()


def reason_texts(st: pl.DataFrame, plan: Explanations, computed: Computed, bad_rows: pl.DataFrame, lang: str,
                 limit: int | None) -> tuple[pl.DataFrame, pl.Series]:
    """The wanted rows' status, claimed and award (分) and row number, and each one's reason.

    A row with no line of the reference engine and no input problem (nearly every problem row of
    a large roster) gets its short reason from one expression over the columns, and a row whose
    input is wrong only when seen with the others (``bad_rows``, ``checks.input_errors``) its
    messages joined; only the others are written one by one."""
    cols = ["status", "claimed_fen", "award_fen", "row"]
    wanted = st.select(cols).gather(plan.want) if plan.want else st.select(cols).clear()
    reasons = short_reasons(wanted, lang, plan, limit)
    if not plan.want:
        return wanted, reasons
    sep = "；" if lang == "zh" else "; "
    special = sorted(set(computed.problems) | set(computed.lines))
    if bad_rows.height:
        # the messages are in row order (checks.input_errors): a row's are one run, nearly always of one
        alone = bad_rows.filter(~pl.col("_i").is_in(pl.Series(special, dtype=pl.Int64).implode())).select("_i", lang)
        i = pl.col("_i")
        one = alone.filter(i.ne_missing(i.shift(1)) & i.ne_missing(i.shift(-1)))
        several = alone.filter(i.eq_missing(i.shift(1)) | i.eq_missing(i.shift(-1))).group_by("_i", maintain_order=True).agg(pl.col(lang).str.join(sep))
        alone = pl.concat([one, several])
        # each row's place among the rows wanted (both in row order)
        want = pl.Series(plan.want, dtype=pl.Int64)
        k = want.search_sorted(alone.get_column("_i"))
        hit = k < len(want)
        hit = hit & want.gather(k.clip(0, len(want) - 1)).eq(alone.get_column("_i"))
        reasons = reasons.scatter(k.filter(hit), alone.get_column(lang).filter(hit))
        bad_rows = bad_rows.filter(pl.col("_i").is_in(pl.Series(special, dtype=pl.Int64).implode()))
    if not special:
        return wanted, reasons
    bad_of: dict[int, list[str]] = {}
    for i, text in bad_rows.select("_i", lang).iter_rows():
        bad_of.setdefault(i, []).append(text)
    at = pl.Series(plan.want, dtype=pl.Int64).is_in(pl.Series(special, dtype=pl.Int64).implode()).arg_true()
    texts: list[str] = []
    sub = wanted.select(cols[:3]).gather(at)
    for k, s, c, a in zip(at.to_list(), *(sub.get_column(x).to_list() for x in cols[:3])):
        i = plan.want[k]
        parts: list[str] = []
        for p in computed.problems.get(i, []):
            parts.append(f"{p.field}：{p.message[lang]}" if lang == "zh" else f"{p.field}: {p.message[lang]}")
        parts += bad_of.get(i, [])
        line = computed.lines.get(i)
        own = _own_reason(line, s, c, a, lang)
        if own is not None:
            parts.append(own)
        if line is None and not parts:
            parts = _short_reason(s, c, a, lang, plan, limit)
        texts.append(sep.join(x for x in parts if x))
    return wanted, reasons.scatter(at, pl.Series(texts, dtype=pl.String))


def issue_frame(st: pl.DataFrame, plan: Explanations, wanted: pl.DataFrame, reasons: pl.Series, computed: Computed,
                bad_rows: pl.DataFrame, notes: list[pl.DataFrame], cmap: ColumnMap, lang: str) -> pl.DataFrame:
    """The problem list in row order: each row's own problems first, then the cross-row notes."""
    fx = cmap.fixed
    # a problem row with input problems lists them (one by one); every other one its status and reason (as columns)
    with_problems = pl.concat([pl.Series([i for i, ps in computed.problems.items() if ps], dtype=pl.Int64), bad_rows.get_column("_i")]).unique()
    rows_frame = wanted.select("status", "claimed_fen", "row").with_columns(pl.Series("_i", plan.want, dtype=pl.Int64), reasons.alias("reason"))
    listed = pl.col("_i").is_in(with_problems.implode())
    by_status = rows_frame.filter((pl.col("status") != "match") & ~listed).select(
        "row", "_i",
        pl.when(pl.col("status").is_in(["over", "under"]) | pl.col("claimed_fen").is_null())
        .then(pl.lit(fx.get("claimed"), dtype=pl.String)).otherwise(pl.lit(None, dtype=pl.String)).alias("column"),
        pl.col("status").alias("kind"),
        (pl.col("reason") if lang == "zh" else pl.lit(None, dtype=pl.String)).alias("zh"),
        (pl.col("reason") if lang == "en" else pl.lit(None, dtype=pl.String)).alias("en"))
    prob: list[dict[str, Any]] = []
    shown = rows_frame.filter((pl.col("status") != "match") & listed).select("_i", "row")
    for i, row in shown.filter(pl.col("_i").is_in(pl.Series(list(computed.problems), dtype=pl.Int64).implode())).iter_rows():
        for p in computed.problems.get(i, []):
            prob.append({"row": row, "_i": i, "column": p.field, "kind": "bad_input", "zh": p.message["zh"], "en": p.message["en"]})
    listed_rows = pl.DataFrame({k: [d.get(k) for d in prob] for k in NOTE_SCHEMA}, schema=NOTE_SCHEMA)
    # a row's messages from the checks across rows come after its own input problems
    checked = bad_rows.join(shown, on="_i", how="inner", maintain_order="left").select(
        "row", "_i", "column", pl.lit("bad_input").alias("kind"), "zh", "en")
    # in the order of the rows wanted (each row's own entries in their order), then the notes
    rows = pl.concat([listed_rows, checked.cast(NOTE_SCHEMA), by_status.cast(NOTE_SCHEMA)]).sort("_i", maintain_order=True)
    allp = pl.concat([rows, *notes]).with_row_index("_seq").sort("row", "_seq")
    who = ["status", "name", "id_number"] + [c for c in ("file", "sheet") if c in st.columns]  # the file and sheet, when several were read
    at = st.select(who).gather(allp.get_column("_i"))
    message = pl.col(lang)
    message = pl.when(message.is_null() | (message == "")).then(pl.col("zh").fill_null("")).otherwise(message)
    return pl.concat([allp.select("row", "column", "kind"), at.select(who),
                      allp.select(message.alias("message"))], how="horizontal")
