"""Writers of an audit report: .xlsx (明细 / 问题清单 / 汇总 / 说明), .csv (with sidecars), .json or
.parquet (明细 with typed columns, for machines).

Text cells (and headers) that a spreadsheet would run as formulas are neutralised; 身份证号, and
bank-card and phone numbers in the roster's own columns, are masked unless asked. Money is
written from integer 分: exact decimal text, or a number with a money format. Every file is
written through ``core.files.write_all``: never over the input, to a temporary file renamed into
place, the CSV set (report, ``.issues.csv``, ``.summary.csv``, ``.stamp.json``) all or nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Collection, Iterable

import polars as pl

from ..core.errors import InputError, Problem
from ..core.files import file_sha256, write_all
from ..core.text import Text
from .cells import formula_columns, neutralise, neutralise_expr
from .identity import identifier_kind, mask_expr, mask_identifier_expr
from .report import COLUMN_TITLES, INPUT_MARK, KIND_TITLES, MONEY_COLUMNS, STATUSES, AuditReport

__all__ = ["detail_table", "write_report"]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


# the titles of the summaries every audit has (the rule pack's report tables bring their own)
SUMMARY_TITLES = {
    "by_file": Text(zh="按文件汇总", en="By file"),
    "by_township": Text(zh="按乡镇汇总", en="By township"),
    "by_village": Text(zh="按村汇总", en="By village"),
    "by_rule": Text(zh="按奖补项目汇总", en="By subsidy"),
}


def detail_table(report: AuditReport, show_id: bool = False) -> pl.DataFrame:
    """明细: one row per input row, in input order; amounts as exact decimal text in 元."""
    lang = report.lang
    r = report.rows
    status_map = {k: v.get(lang) for k, v in STATUSES.items()}
    cols = [
        pl.col("row"), pl.col("township"), pl.col("village"), pl.col("name"),
        (pl.col("id_number") if show_id else mask_expr("id_number")).alias("id_number"),
        pl.col("subject_raw"), pl.col("category_raw"), pl.col("rule"), pl.col("rule_name"), pl.col("project"),
    ]
    q = [c for c in r.columns if c.startswith("q:")]
    # the roster's own columns that hold an identifier (another 身份证号, a bank card, a phone)
    passed = [c if show_id or identifier_kind(c[2:]) is None else mask_identifier_expr(c, identifier_kind(c[2:])).alias(c) for c in q]
    sheet = [pl.col(c) for c in ("file", "sheet") if c in r.columns]
    own = [pl.col(c) for c in ("basis", "notes") if c in r.columns]
    out = r.select(
        *sheet, *cols,
        pl.col("claimed_fen").alias("claimed"), pl.col("award_fen").alias("award"), pl.col("diff_fen").alias("diff"),
        pl.col("status").replace_strict(status_map).alias("status"), pl.col("reason"), *own, *passed,
    )
    return out.rename(_detail_titles(out.columns, lang))


def _detail_titles(columns: list[str], lang: str) -> dict[str, str]:
    """detail_table's column titles: a known column's title, a quantity column's own header.

    A roster column whose header is one of the report's own titles (状态, 原因, 行号 … — a report
    audited again) keeps its values under its header marked 「（原表）」/「 (input)」."""
    rename = {c: COLUMN_TITLES[c].get(lang) for c in columns if c in COLUMN_TITLES}
    used = set(rename.values()) | {c for c in columns if c not in COLUMN_TITLES and not c.startswith("q:")}
    for c in columns:
        if c.startswith("q:"):
            title = c[2:]
            while title in used:
                title += INPUT_MARK.get(lang)
            used.add(title)
            rename[c] = title
    if "sheet" in columns:
        rename["sheet"] = SHEET_TITLE.get(lang)
    return rename


SHEET_TITLE = Text(zh="工作表", en="sheet")


def _issue_table(report: AuditReport, show_id: bool) -> pl.DataFrame:
    lang = report.lang
    kinds = {k: v.get(lang) for k, v in KIND_TITLES.items()}
    sheet = [pl.col(c) for c in ("file", "sheet") if c in report.issues.columns]
    t = report.issues.select(
        *sheet, pl.col("row"), pl.col("column"), pl.col("kind").replace_strict(kinds, default=pl.col("kind")).alias("kind"),
        pl.col("name"), (pl.col("id_number") if show_id else mask_expr("id_number")).alias("id_number"), pl.col("message"))
    return t.rename({c: COLUMN_TITLES[c].get(lang) for c in t.columns if c in COLUMN_TITLES} | ({"sheet": SHEET_TITLE.get(lang)} if "sheet" in t.columns else {}))


_MONEY_COLS = MONEY_COLUMNS


def _summary_tables(report: AuditReport) -> list[tuple[str, str, pl.DataFrame]]:
    """Each summary table (key, title, table with its columns titled)."""
    lang = report.lang
    titles = {**SUMMARY_TITLES, **report.summary_titles}
    out = []
    for key, df in report.summaries.items():
        if df.height == 0:
            continue
        rename = {}
        own = report.column_titles.get(key, {})
        for c in df.columns:
            if c in own:
                rename[c] = own[c].get(lang)
            elif c in COLUMN_TITLES:
                rename[c] = COLUMN_TITLES[c].get(lang)
            elif c.endswith("_households"):
                rename[c] = c[: -len("_households")] + ("户数" if lang == "zh" else " households")
            elif c.endswith("_wan"):
                rename[c] = c[: -len("_wan")] + ("奖补资金（万元）" if lang == "zh" else " (万元)")
        if key == "by_rule":
            rename["rule"] = COLUMN_TITLES["rule"].get(lang)
            rename["rule_name"] = COLUMN_TITLES["rule_name"].get(lang)
        out.append((key, titles[key].get(lang), df.rename(rename)))
    return out


def write_report(report: AuditReport, out: Path | str, *, show_id: bool = False, inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write the report by suffix: .xlsx (明细/问题清单/汇总/说明), .csv (+ sidecars), .json or
    .parquet (明细 only, typed, the stamp in the file's metadata).

    Text cells that a spreadsheet would run as formulas are neutralised (leading ').
    身份证号 (and bank-card and phone numbers) are masked unless ``show_id``. Nothing is written
    over any of ``inputs``; each file goes to a temporary file renamed into place, and the CSV
    set is renamed only when all four are written.

    Returns:
        The files written.

    Raises:
        OutputError: an output (or sidecar) is an input, or a file cannot be written.
        InputError: an unknown output type.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".json", ".csv", ".xlsx", ".parquet"):
        raise InputError([Problem(source=str(out), message=_t(f"不支持的输出类型“{suffix or '（无扩展名）'}”；应为 .xlsx、.csv、.json 或 .parquet",
                                                              f"unsupported output type {suffix or '(none)'!r}; expected .xlsx, .csv, .json or .parquet"))])
    detail = detail_table(report, show_id)
    issues = _issue_table(report, show_id)
    summaries = _summary_tables(report)
    writers: dict[Path, Callable[[Path], None]] = {}
    if suffix == ".json":
        data = {
            "stamp": report.stamp,
            "rows": _json_rows(detail),
            "issues": issues.to_dicts(),
            "summaries": {title: _json_rows(df) for _, title, df in summaries},
            "report_texts": report.texts,
        }
        if report.readings is not None:
            data["reading_impacts"] = _json_rows(_readings_table(report))
        writers[out] = lambda tmp: tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    elif suffix == ".parquet":
        writers[out] = lambda tmp: _write_parquet(report, detail, tmp)
    elif suffix == ".csv":
        titles = _detail_titles(list(report.formula_free), report.lang)
        clean = {titles.get(c, c) for c in report.formula_free}
        digests: dict[str, str] = {}

        def hashed(name: str, write: Callable[[Path], None]) -> Callable[[Path], None]:
            # each file hashed for the stamp as soon as it is written, while the next is written
            # beside it (a report of every row a problem runs to gigabytes)
            def run(tmp: Path) -> None:
                write(tmp)
                digests[name] = file_sha256(tmp)
            return run

        def write_summary(tmp: Path) -> None:
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                for _, title, df in summaries:
                    fh.write(_csv_text([title]) + "\n")
                    fh.write(_safe_headers(_money_text(df).pipe(_neutralised)).write_csv())
                    fh.write("\n")

        issues_path, summary_path, stamp_path = (out.with_name(out.stem + s) for s in (".issues.csv", ".summary.csv", ".stamp.json"))
        writers[out] = lambda tmp: _write_csv(detail, tmp, clean)
        writers[issues_path] = lambda tmp: _write_csv(issues, tmp)
        writers[summary_path] = write_summary
        if report.readings is not None:
            readings_path = out.with_name(out.stem + ".readings.csv")
            writers[readings_path] = lambda tmp: _write_csv(_readings_table(report), tmp)
        writers = {target: hashed(target.name, write) for target, write in writers.items()}

        def write_stamp(tmp: Path) -> None:
            # the stamp names the very files of its run: a sidecar from another run does not match
            stamp = {**report.stamp, "files": {target.name: digests[target.name] for target in writers}}
            tmp.write_text(json.dumps(stamp, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

        # the detail and the problem list written side by side (polars lets go of the interpreter)
        return write_all(writers, inputs, at_once=2, then={stamp_path: write_stamp})
    else:
        from .workbook import write_workbook

        readings = _readings_table(report) if report.readings is not None else None
        writers[out] = lambda tmp: write_workbook(report, tmp, detail, issues, summaries, readings)
    return write_all(writers, inputs)



def _safe_headers(df: pl.DataFrame) -> pl.DataFrame:
    """Headers that a spreadsheet would run as formulas (a roster column named ``=1+1``) neutralised."""
    rename = {c: neutralise(c) for c in df.columns if neutralise(c) != c and neutralise(c) not in df.columns}
    return df.rename(rename) if rename else df


def _readings_table(report: AuditReport) -> pl.DataFrame:
    """争议口径影响: per contested reading and alternative, the rows and the money that change."""
    assert report.readings is not None
    df = report.readings
    return df.rename({c: COLUMN_TITLES[c].get(report.lang) for c in df.columns if c in COLUMN_TITLES})


def _csv_text(values: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v for v in (neutralise(x) for x in values))


def _money_cols(df: pl.DataFrame) -> list[str]:
    names = {COLUMN_TITLES[c].zh for c in _MONEY_COLS if c in COLUMN_TITLES} | {COLUMN_TITLES[c].en for c in _MONEY_COLS if c in COLUMN_TITLES}
    return [c for c in df.columns if c in names or c in _MONEY_COLS]


def _money_text(df: pl.DataFrame) -> pl.DataFrame:
    """Money columns (分) → exact decimal text in 元."""
    exprs = _money_text_exprs(df)
    return df.with_columns(exprs) if exprs else df


def _money_text_exprs(df: pl.DataFrame) -> list[pl.Expr]:
    exprs = []
    for c in _money_cols(df):
        v = pl.col(c)
        a = v.abs()
        exprs.append(pl.when(v.is_null()).then(None).otherwise(
            pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")) + (a // 100).cast(pl.String) + pl.lit(".")
            + (a % 100).cast(pl.String).str.pad_start(2, "0")).alias(c))
    return exprs


def _neutralised(df: pl.DataFrame) -> pl.DataFrame:
    money = set(_money_cols(df))
    return df.with_columns([neutralise_expr(c) for c, t in df.schema.items() if t == pl.String and c not in money])


def _write_csv(df: pl.DataFrame, path: Path, clean: Collection[str] = ()) -> None:
    """Write ``df`` as UTF-8 CSV with a BOM (Excel's cue): money columns (分) as exact decimal 元,
    text cells that would run as formulas neutralised. ``clean`` names columns already known to
    hold no such cell."""
    # one pass (money and neutralised text cells are disjoint columns), written straight to the
    # file: no 200 MB Python string in between
    # a text column with no cell to neutralise is written as it is (checking is cheaper than rewriting)
    money = _money_cols(df)
    formulas = formula_columns(df, [c for c in df.columns if c not in money and c not in clean])
    # 分 as a decimal at scale 2 (exact: an integer times 0.01), which polars writes with its two places
    cents = pl.lit(Decimal("0.01"), dtype=pl.Decimal(38, 2))
    text = df.lazy().with_columns([(pl.col(c).cast(pl.Decimal(38, 0)) * cents).alias(c) for c in money]
                                  + [neutralise_expr(c) for c in df.columns if c in formulas]).collect()
    # polars writes the BOM itself, and to a path (not through a Python file object) at about twice the
    # speed (write_all's temporary paths are absolute: polars would read a leading ~ as the home folder)
    _safe_headers(text).write_csv(path, include_bom=True)


def _write_parquet(report: AuditReport, detail: pl.DataFrame, path: Path) -> None:
    """明细 for machines: typed columns — money as exact decimals of 元 (Decimal(38, 2)), row
    numbers as integers, the input's own columns as text as read — and the stamp as the file's
    key-value metadata (``xingxian_subsidy.stamp``, JSON). No cell is neutralised: a Parquet file
    is not opened by a spreadsheet as formulas."""
    cents = pl.lit(Decimal("0.01"), dtype=pl.Decimal(38, 2))
    typed = detail.with_columns([(pl.col(c).cast(pl.Decimal(38, 0)) * cents).cast(pl.Decimal(38, 2)).alias(c) for c in _money_cols(detail)])
    typed.write_parquet(path, metadata={"xingxian_subsidy.stamp": json.dumps(report.stamp, ensure_ascii=False)})


def _json_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    return _money_text(df).to_dicts()
