"""The checks across rows, as two lists of passes over ``frame.base_frame``.

* :data:`INPUT_PASSES` find rows whose input is wrong when seen with the others (a household's
  身份证号 that is not valid; one 身份证号 under two names). Each returns a frame of the messages
  that make a row 输入有误 (:data:`INPUT_SCHEMA`: ``_i``, ``column``, ``kind``, ``zh``, ``en``).
* :data:`NOTE_PASSES` add a note without changing a row's status (a once-per-household subsidy
  claimed again; an applicant whose subject or category differs between rows; one household in
  two townships — in one roster, or in two townships' files audited together). Each returns a
  frame of issues: ``row``, ``_i``, ``column``, ``kind``, ``zh``, ``en``.

Two more checks need what the computation found or what the reader set aside: the tier a roster
writes against the tier recomputed (:func:`tier_differs`), and a roster's own 合计 rows against
the rows they add up (:func:`totals_differ`, from ``layout.check_totals``).

The limits across rows that change amounts (the 700 元 household cap, once per household, one
award per project) are not checks but part of the computation (``engine.compute`` and
``vector``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import polars as pl

from ..core.money import num_text
from ..pack.loader import YearRules
from ..pack.semantics import spelling_key
from .columns import ColumnMap
from .frame import rows_of_applicants_where_differs, subject_category_code
from .identity import id_check, ids_ok, mask_id

__all__ = ["INPUT_PASSES", "INPUT_SCHEMA", "NOTE_PASSES", "NOTE_SCHEMA", "input_errors", "notes", "tier_differs", "totals_differ"]

# What an input pass finds: the messages that make a row 输入有误, a row (of it: its index ``_i``) for each.
INPUT_SCHEMA = {"_i": pl.Int64, "column": pl.String, "kind": pl.String, "zh": pl.String, "en": pl.String}
# A message naming the other rows or names of one applicant lists at most this many, then their count:
# one ID written under a million names must not write a million names into each of its rows.
LISTED = 10
NOTE_SCHEMA = {"row": pl.Int64, "_i": pl.Int64, "column": pl.String, "kind": pl.String, "zh": pl.String, "en": pl.String}


def _invalid_household_ids(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> pl.DataFrame:
    """A household's 身份证号 that is not valid (GB 11643: format, birth date, check digit)."""
    # an applicant with an ID is that ID: its first row's ID is checked for all its rows
    aid = b.get_column("aid")
    first = aid.is_first_distinct()
    ok_first = ids_ok(b.get_column("id_number").filter(first))
    ok_by_aid = pl.repeat(False, len(aid) and int(aid.max()) + 1, dtype=pl.Boolean, eager=True).scatter(aid.filter(first), ok_first)
    households = list(yr.vocabulary.household_subjects)
    idx_bad = b.select("id_number", "subject", ok_by_aid.gather(aid).alias("id_ok")).with_row_index("i").filter(
        pl.col("id_number").is_not_null() & ~pl.col("id_ok") & (pl.col("subject").is_null() | pl.col("subject").is_in(households))
    )
    # each ID checked once, however many rows it is on
    said = {idn: msg for idn in idx_bad.get_column("id_number").unique().to_list() for ok, msg in [id_check(idn)] if not ok and msg}
    if not said:
        return pl.DataFrame(schema=INPUT_SCHEMA)
    return idx_bad.filter(pl.col("id_number").is_in(list(said))).select(
        pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(cmap.fixed.get("id_number") or "身份证号", dtype=pl.String).alias("column"),
        pl.lit("id").alias("kind"), *(pl.col("id_number").replace_strict({k: m[lang] for k, m in said.items()}, return_dtype=pl.String).alias(lang)
                                      for lang in ("zh", "en")))


def _one_id_two_names(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> pl.DataFrame:
    """The same 身份证号 under two names (among rows with both)."""
    named = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "aid", "id_number", "name", "row").filter(
        pl.col("id_number").is_not_null() & pl.col("name").is_not_null())
    dup = named.gather(rows_of_applicants_where_differs(named.get_column("aid"), named.get_column("name"))).select("i", "id_number", "name", "row")
    if not dup.height:
        return pl.DataFrame(schema=INPUT_SCHEMA)
    # one message per ID, shared by its rows: its names in the order they first show, each with the
    # row it first shows on (the first LISTED of them, then how many there are)
    names = (dup.group_by("id_number", "name", maintain_order=True).agg(pl.col("row").first())
             .group_by("id_number", maintain_order=True).agg(
                 pl.format("{}（第{}行）", "name", "row").head(LISTED).str.join("、").alias("zh"),
                 pl.format("{} (row {})", "name", "row").head(LISTED).str.join(", ").alias("en"), pl.len().alias("n")))
    masked = {idn: mask_id(idn) for idn in names.get_column("id_number").to_list()}
    names = names.select(
        "id_number",
        pl.format("同一身份证号 {} 对应不同姓名：{}{}", pl.col("id_number").replace_strict(masked, return_dtype=pl.String), "zh",
                  pl.when(pl.col("n") > LISTED).then(pl.format(" 等 {} 个姓名", "n")).otherwise(pl.lit(""))).alias("zh"),
        pl.format("the same ID number {} appears under different names: {}{}", pl.col("id_number").replace_strict(masked, return_dtype=pl.String), "en",
                  pl.when(pl.col("n") > LISTED).then(pl.format(" and {} more", pl.col("n") - LISTED)).otherwise(pl.lit(""))).alias("en"))
    return dup.join(names, on="id_number", how="left", maintain_order="left").select(
        pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(cmap.fixed.get("id_number") or "身份证号", dtype=pl.String).alias("column"),
        pl.lit("dup_id").alias("kind"), "zh", "en")


def _claimed_twice(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> pl.DataFrame:
    """A once-per-household subsidy claimed again (the engine pays the highest; this names the rows)."""
    once = {rid: r.once_per_applicant for rid, r in yr.rules.items() if r.once_per_applicant}
    if not once:
        return pl.DataFrame(schema=NOTE_SCHEMA)
    tw = (b.select("row", "rule", "aid").with_row_index("i").filter(pl.col("rule").is_in(list(once)))
          .with_columns(pl.col("rule").replace_strict(once, default=None).alias("once_group"))
          .filter(pl.struct("aid", "once_group").is_duplicated())
          .with_columns(pl.col("row").first().over(["aid", "once_group"]).alias("first_row")))
    rule_zh = {rid: r.name.zh for rid, r in yr.rules.items()}
    rule_en = {rid: r.name.en for rid, r in yr.rules.items()}
    return tw.filter(pl.col("row") != pl.col("first_row")).select(
        "row", pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(cmap.fixed.get("rule"), dtype=pl.String).alias("column"), pl.lit("cross").alias("kind"),
        pl.format("同一户重复申报“每户限一次”的项目（{}）：首次见第{}行", pl.col("rule").replace_strict(rule_zh), "first_row").alias("zh"),
        pl.format("a once-per-household subsidy ({}) is claimed again; first on row {}", pl.col("rule").replace_strict(rule_en), "first_row").alias("en"))


def _subject_differs(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> pl.DataFrame:
    """An applicant whose subject type or category differs between rows."""
    code = b.select(subject_category_code(yr, "subject", "category")[0]).to_series()
    inc_i = rows_of_applicants_where_differs(b.get_column("aid"), code)
    incons = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "row").gather(inc_i)
    fx = cmap.fixed
    return incons.select(
        "row", pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(fx.get("category") or fx.get("subject"), dtype=pl.String).alias("column"),
        pl.lit("cross").alias("kind"),
        pl.lit("同一申请人在不同行填写的主体类型或农户类型不一致：跨行上限按各自填写分别核算，请核实").alias("zh"),
        pl.lit("this applicant's subject or category differs between rows; cross-row limits were applied per combination; please check").alias("en"))


def _where(b: pl.DataFrame) -> pl.Expr:
    """How a message names a row: 第5行, or 蔡家崖乡.xlsx 第5行 when several files are read."""
    row = pl.format("第{}行", "row")
    return pl.format("{} {}", "file", row) if "file" in b.columns else row


def _two_townships(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> pl.DataFrame:
    """One household (one 身份证号) under two townships: in one roster, or in two townships'
    files audited together (its caps are counted together; each township should know)."""
    with_id = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "aid", "township", "id_number").filter(
        pl.col("id_number").is_not_null() & pl.col("township").is_not_null())
    if not with_id.height:
        return pl.DataFrame(schema=NOTE_SCHEMA)
    idx = rows_of_applicants_where_differs(with_id.get_column("aid"), with_id.get_column("township"))
    if not len(idx):
        return pl.DataFrame(schema=NOTE_SCHEMA)
    hit = with_id.gather(idx).get_column("i")
    sel = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "aid", "township", "row", _where(b).alias("where")).filter(pl.col("i").is_in(hit.implode()))
    towns = sel.group_by("aid", maintain_order=True).agg(
        pl.col("township").unique(maintain_order=True).alias("towns"), pl.col("where").head(LISTED).str.join("、").alias("places"), pl.len().alias("n"))
    more = pl.col("n") > LISTED  # a household on more rows than a message lists: the first ones and the count
    towns = towns.select(
        "aid", pl.col("towns").list.head(LISTED).list.join("、").alias("towns"),
        pl.when(pl.col("towns").list.len() > LISTED).then(pl.format(" 等 {} 个乡镇", pl.col("towns").list.len())).otherwise(pl.lit("")).alias("towns_zh"),
        pl.when(pl.col("towns").list.len() > LISTED).then(pl.format(" and {} more", pl.col("towns").list.len() - LISTED)).otherwise(pl.lit("")).alias("towns_en"),
        pl.when(more).then(pl.format("{} 等 {} 行", "places", "n")).otherwise("places").alias("places_zh"),
        pl.when(more).then(pl.format("{} and {} more rows", "places", pl.col("n") - LISTED)).otherwise("places").alias("places_en"))
    sel = sel.join(towns, on="aid", how="left", maintain_order="left")
    return sel.select(
        "row", pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(cmap.fixed.get("township"), dtype=pl.String).alias("column"), pl.lit("cross").alias("kind"),
        pl.format("同一户（同一身份证号）出现在不同乡镇：{}{}（{}）：上限按同一户合并核算，请核实由哪个乡镇申报", "towns", "towns_zh", "places_zh").alias("zh"),
        pl.format("one household (one ID number) appears under different townships: {}{} ({}); its caps are counted together; please check which township claims it",
                  "towns", "towns_en", "places_en").alias("en"))


INPUT_PASSES: list[Callable[[pl.DataFrame, YearRules, ColumnMap], pl.DataFrame]] = [_invalid_household_ids, _one_id_two_names]
NOTE_PASSES: list[Callable[[pl.DataFrame, YearRules, ColumnMap], pl.DataFrame]] = [_claimed_twice, _subject_differs, _two_townships]


def input_errors(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> pl.DataFrame:
    """Run every input pass: their messages (:data:`INPUT_SCHEMA`) by row index, each row's in pass order."""
    return pl.concat([check(b, yr, cmap) for check in INPUT_PASSES]).sort("_i", maintain_order=True)


def notes(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> list[pl.DataFrame]:
    """Run every note pass: one frame of issues per pass, in pass order."""
    return [check(b, yr, cmap).cast(NOTE_SCHEMA) for check in NOTE_PASSES]


def tier_differs(st: pl.DataFrame, tier: pl.Series, frame: pl.DataFrame, cmap: ColumnMap, yr: YearRules) -> pl.DataFrame:
    """The tier a roster writes (奖补档次: 三档, 第3档 — a spelling the pack lists) against the tier
    recomputed, on the rows that have both: a difference is a note."""
    col = cmap.extra.get("tier")
    if col is None or col not in frame.columns:
        return pl.DataFrame(schema=NOTE_SCHEMA)
    spellings = {spelling_key(k): v for k, v in yr.vocabulary.roster.values.get("tier", {}).items()}
    written = frame.get_column(col)
    read = {w: spellings.get(spelling_key(w), w.strip()) for w in written.drop_nulls().unique().to_list()}
    as_read = written.replace_strict(read, default=None, return_dtype=pl.String)
    d = pl.DataFrame([st.get_column("row"), written.alias("written"), as_read.alias("as_read"), tier.alias("tier")]).with_row_index("i").filter(
        pl.col("as_read").is_not_null() & pl.col("tier").is_not_null() & (pl.col("as_read") != pl.col("tier")))
    return d.select("row", pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(col).alias("column"), pl.lit("cross").alias("kind"),
                    pl.format("名册填写档次“{}”，按增收核定为“{}”", "written", "tier").alias("zh"),
                    pl.format("the roster writes tier {}, the income gain places it in {}", "written", "tier").alias("en"))


def totals_differ(totals: list, lang: str, several_files: bool, several_sheets: bool) -> pl.DataFrame:
    """A roster's own 合计 rows that do not add up (``layout.TotalCheck``), as problem-list rows:
    file, sheet, row, column, kind ``total``, the label as the name, and the message."""
    recs = []
    for t in totals:
        if t.ok:
            continue
        if t.summed is None:
            zh = f"“{t.label}”行的“{t.column}”为 {num_text(t.stated)}，但所加的行中有不是数字的格子，无法核对"
            en = f"the {t.label} row's {t.column} is {num_text(t.stated)}, but a cell of the rows it adds up is not a number: not checked"
        else:
            zh = (f"“{t.label}”行的“{t.column}”为 {num_text(t.stated)}，上方 {t.rows} 行之和为 {num_text(t.summed)}，"
                  f"相差 {num_text(t.stated - t.summed)}")
            en = f"the {t.label} row's {t.column} is {num_text(t.stated)}; the {t.rows} rows it adds up sum to {num_text(t.summed)} (off by {num_text(t.stated - t.summed)})"
        recs.append({"row": t.row, "column": t.column, "kind": "total", "status": None, "name": t.label, "id_number": None,
                     "file": Path(t.file).name if t.file else None, "sheet": t.sheet, "message": zh if lang == "zh" else en})
    schema = {"row": pl.Int64, "column": pl.String, "kind": pl.String, "status": pl.String, "name": pl.String, "id_number": pl.String,
              "file": pl.String, "sheet": pl.String, "message": pl.String}
    df = pl.DataFrame(recs, schema=schema)
    drop = [c for c, keep in (("file", several_files), ("sheet", several_sheets)) if not keep]
    return df.drop(drop)
