"""The checks across rows, as two lists of passes over ``frame.base_frame``.

* :data:`INPUT_PASSES` find rows whose input is wrong when seen with the others (a household's
  身份证号 that is not valid; one 身份证号 under two names). Each returns, per row index, the
  messages that make the row 输入有误.
* :data:`NOTE_PASSES` add a note without changing a row's status (a once-per-household subsidy
  claimed again; an applicant whose subject or category differs between rows). Each returns a
  frame of issues: ``row``, ``_i``, ``column``, ``kind``, ``zh``, ``en``.

The limits across rows that change amounts (the 700 元 household cap, once per household, one
award per project) are not checks but part of the computation (``engine.compute`` and
``vector``).
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from ..pack.loader import YearRules
from .columns import ColumnMap
from .frame import rows_of_applicants_where_differs, subject_category_code
from .identity import id_check, ids_ok, mask_id

__all__ = ["INPUT_PASSES", "NOTE_PASSES", "NOTE_SCHEMA", "input_errors", "notes"]

RowMessages = dict[int, list[dict[str, str]]]  # row index → [{"column", "kind", "zh", "en"}]
NOTE_SCHEMA = {"row": pl.Int64, "_i": pl.Int64, "column": pl.String, "kind": pl.String, "zh": pl.String, "en": pl.String}


def _invalid_household_ids(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> RowMessages:
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
    id_col = cmap.fixed.get("id_number") or "身份证号"
    out: RowMessages = {}
    for i, idn in zip(idx_bad.get_column("i").to_list(), idx_bad.get_column("id_number").to_list()):
        ok, msg = id_check(idn)
        if not ok and msg:
            out.setdefault(i, []).append({"column": id_col, "kind": "id", **msg})
    return out


def _one_id_two_names(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> RowMessages:
    """The same 身份证号 under two names (among rows with both)."""
    named = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "aid", "id_number", "name", "row").filter(
        pl.col("id_number").is_not_null() & pl.col("name").is_not_null())
    dup = named.gather(rows_of_applicants_where_differs(named.get_column("aid"), named.get_column("name"))).select("i", "id_number", "name", "row")
    out: RowMessages = {}
    if not dup.height:
        return out
    id_col = cmap.fixed.get("id_number") or "身份证号"
    names_by_id: dict[str, list[tuple[str, int]]] = {}
    for idn, name, row in dup.select("id_number", "name", "row").iter_rows():
        lst = names_by_id.setdefault(idn, [])
        if name not in [x[0] for x in lst]:
            lst.append((name, row))
    for i, idn in zip(dup.get_column("i").to_list(), dup.get_column("id_number").to_list()):
        others = names_by_id[idn]
        zh = "、".join(f"{nm}（第{r}行）" for nm, r in others)
        en = ", ".join(f"{nm} (row {r})" for nm, r in others)
        out.setdefault(i, []).append({"column": id_col, "kind": "dup_id",
                                      "zh": f"同一身份证号 {mask_id(idn)} 对应不同姓名：{zh}",
                                      "en": f"the same ID number {mask_id(idn)} appears under different names: {en}"})
    return out


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


INPUT_PASSES: list[Callable[[pl.DataFrame, YearRules, ColumnMap], RowMessages]] = [_invalid_household_ids, _one_id_two_names]
NOTE_PASSES: list[Callable[[pl.DataFrame, YearRules, ColumnMap], pl.DataFrame]] = [_claimed_twice, _subject_differs]


def input_errors(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> RowMessages:
    """Run every input pass: row index → its messages, in pass order."""
    out: RowMessages = {}
    for check in INPUT_PASSES:
        for i, messages in check(b, yr, cmap).items():
            out.setdefault(i, []).extend(messages)
    return out


def notes(b: pl.DataFrame, yr: YearRules, cmap: ColumnMap) -> list[pl.DataFrame]:
    """Run every note pass: one frame of issues per pass, in pass order."""
    return [check(b, yr, cmap).cast(NOTE_SCHEMA) for check in NOTE_PASSES]
