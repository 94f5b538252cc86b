"""Reading a roster file into text cells: .xlsx, .csv (UTF-8 or GBK/GB18030) or .parquet.

Light on purpose (polars and the error types only): the ``audit`` command starts reading the
file in a thread before it imports the engine and loads the rule pack.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import polars as pl

from ..core.errors import InputError, Problem
from .cells import FORMULA_START

__all__ = ["Roster", "read_roster", "roster_from_frame"]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass
class Roster:
    """A roster as read: every cell text or None; ``rows`` are the spreadsheet row numbers."""

    source: str
    frame: pl.DataFrame  # all String columns, original headers, blank rows removed
    rows: Sequence[int]  # spreadsheet row number of each frame row (header = row 1); a range when no row was dropped
    sha256: str
    file_format: str
    # the columns with a cell that would run as a formula in a spreadsheet (None: not looked at)
    formula_columns: frozenset[str] | None = None


def _decode(raw: bytes, source: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError([Problem(source=source, message=_t("无法读取：不是 UTF-8 或 GBK/GB18030 编码的文本",
                                                        "cannot read: not UTF-8 or GBK/GB18030 text"))])


def read_roster(path: Path | str) -> Roster:
    """Read a roster from .xlsx, .csv (UTF-8 with or without BOM, GBK/GB18030) or .parquet.

    Every cell becomes text (``str``) or ``None``; numbers are never inferred, so money
    stays exact. Fully blank rows are dropped but row numbers stay those of the sheet.

    Raises:
        InputError: the file is missing, unreadable, of an unknown kind, or empty.
    """
    path = Path(path)
    source = str(path)
    # The file is mapped, not copied: the checksum (hashlib releases the GIL) runs over the mapping
    # in a thread while polars reads the same file. (A file rewritten during the read is not supported.)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            raw: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except OSError as exc:
        raise InputError([Problem(source=source, message=_t(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}"))]) from None
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
    pool.shutdown(wait=False)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            df = pl.read_excel(io.BytesIO(raw[:]), infer_schema_length=0, drop_empty_rows=False, raise_if_empty=False)
            fmt = "xlsx"
        elif suffix in (".csv", ".txt"):
            try:  # polars refuses invalid UTF-8, so a GBK/GB18030 export is detected by trying UTF-8 first
                df = pl.read_csv(path if size else io.BytesIO(b""), glob=False, infer_schema=False, truncate_ragged_lines=True, raise_if_empty=False)
            except pl.exceptions.ComputeError as exc:
                if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
                    raise
                data = _decode(raw[:], source).encode("utf-8")
                df = pl.read_csv(io.BytesIO(data), infer_schema=False, truncate_ragged_lines=True, raise_if_empty=False)
            fmt = "csv"
        elif suffix == ".parquet":
            df = pl.read_parquet(io.BytesIO(raw[:]))
            fmt = "parquet"
        else:
            raise InputError([Problem(source=source, message=_t(f"不支持的文件类型“{suffix or '（无扩展名）'}”；应为 .xlsx、.csv 或 .parquet",
                                                                f"unsupported file type {suffix or '(none)'!r}; expected .xlsx, .csv or .parquet"))])
    except InputError:
        raise
    except Exception as exc:  # the readers raise many kinds; the user needs one clear line
        msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InputError([Problem(source=source, message=_t(f"无法读取表格：{msg}", f"cannot read the table: {msg}"))]) from None
    if df.width == 0:
        raise InputError([Problem(source=source, message=_t("表格为空：没有表头", "the table is empty: no header row"))])
    _refuse_duplicate_headers(df.columns, source)
    df = df.select([pl.col(c).cast(pl.String) for c in df.columns])
    # One search per column picks out the few that need a closer look: a blank cell, a cell with
    # surrounding blanks (\\s is the same Unicode blanks the trim removes) or one that starts like a
    # formula. Those are trimmed where a cell is padded (a blank cell becomes None), then searched for
    # formula cells (for the writers).
    suspect = df.lazy().select([((pl.col(c).str.len_bytes() == 0) | pl.col(c).str.contains(_SUSPECT)).any().alias(c)
                                for c in df.columns]).collect().row(0)
    look = [c for c, f in zip(df.columns, suspect) if f]
    formula_columns: set[str] = set()
    if look:
        padded = df.select([((pl.col(c).str.strip_chars().str.len_bytes() != pl.col(c).str.len_bytes()) | (pl.col(c).str.len_bytes() == 0))
                            .any().alias(c) for c in look]).row(0)
        if any(padded):
            df = df.with_columns([_blank_to_null(pl.col(c).str.strip_chars()).alias(c) for c, p in zip(look, padded) if p])
        flags = df.select([pl.col(c).str.contains(FORMULA_START).any().alias(c) for c in look]).row(0)
        formula_columns = {c for c, f in zip(look, flags) if f}
    if all(df.get_column(c).null_count() for c in df.columns):
        # only when every column has a blank can a row be fully blank
        numbers = pl.int_range(2, df.height + 2, eager=True).alias("__row")
        df = df.with_columns(numbers)
        df = df.filter(~pl.all_horizontal([pl.col(c).is_null() for c in df.columns if c != "__row"]))
        rows = df.get_column("__row").to_list()
        df = df.drop("__row")
    else:
        rows: Sequence[int] = range(2, df.height + 2)
    sha256 = digest.result()
    if isinstance(raw, mmap.mmap):
        raw.close()
    return Roster(source=source, frame=df, rows=rows, sha256=sha256, file_format=fmt, formula_columns=frozenset(formula_columns))


# a cell worth a closer look: starts with a blank or like a formula, or ends with a blank
_SUSPECT = r"^[\s=+\-@]|\s$"

_RENAMED = re.compile(r"^(.*?)(?:_duplicated_\d+|_\d+)$")  # how polars' CSV and Excel readers rename a repeated header


def _refuse_duplicate_headers(columns: list[str], source: str) -> None:
    """A header written twice would leave one column's values unread: refuse, naming the header."""
    names = set(columns)
    repeated = sorted({m.group(1) for c in columns if (m := _RENAMED.match(c)) and m.group(1) in names})
    if repeated:
        heads = "、".join(f"“{h}”" for h in repeated)
        raise InputError([Problem(source=source, field=repeated[0], message=_t(
            f"表头 {heads} 出现了不止一次：请删除或改名重复的列", f"header(s) {', '.join(repeated)} appear more than once: remove or rename the repeated column"))])


def _blank_to_null(c: pl.Expr) -> pl.Expr:
    return pl.when(c.str.len_bytes() == 0).then(None).otherwise(c)


def roster_from_frame(frame: pl.DataFrame, source: str = "<roster>") -> Roster:
    """A roster from a DataFrame already in memory (tests, benchmarks); rows numbered from 2."""
    df = frame.select([pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c) for c in frame.columns])
    digest = hashlib.sha256(df.write_csv().encode()).hexdigest()
    return Roster(source=source, frame=df, rows=list(range(2, df.height + 2)), sha256=digest, file_format="frame")
