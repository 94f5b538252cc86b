"""Reading a roster file into text cells: .xlsx/.xlsm (every sheet), .csv (UTF-8 or GBK/GB18030)
or .parquet.

Light on purpose (polars, the error types and the workbook reader): the ``audit`` command starts
reading the file in a thread before it imports the engine and loads the rule pack.

Nothing is skipped silently: a workbook is read sheet by sheet (``sheets.read_workbook``), every
sheet that holds a roster is read — hidden ones too — and every other sheet is listed with the
reason it was not (``Roster.sheets``, which the report's stamp names). Only regular files are read
(a FIFO or ``/dev/zero`` is refused before it is opened for reading), up to
``inputforms.MAX_ROSTER_BYTES``.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import polars as pl

from ..core.errors import InputError, Problem
from ..core.inputforms import MAX_ROSTER_BYTES, MB
from .cells import FORMULA_START
from .sheets import SheetGrid, column_letter, read_workbook

__all__ = ["Roster", "SheetInfo", "read_roster", "roster_from_frame"]


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass
class SheetInfo:
    """A sheet of a workbook and what became of it: ``read`` (its ``rows`` rows are in the
    roster), ``empty``, or ``not_roster`` (its first row is not a roster's header: ``note`` says
    why). Issue 11's header detection and skipped rows build on this."""

    name: str
    hidden: bool
    status: str
    rows: int = 0
    note: dict[str, str] | None = None
    skipped: list[tuple[int, dict[str, str]]] = field(default_factory=list)


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
    # each row's sheet, when more than one sheet was read (else None); and every sheet of a workbook
    sheet: list[str] | None = None
    sheets: list[SheetInfo] = field(default_factory=list)


def _decode(raw: bytes, source: str) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError([Problem(source=source, message=_t("无法读取：不是 UTF-8 或 GBK/GB18030 编码的文本",
                                                        "cannot read: not UTF-8 or GBK/GB18030 text"))])


def _open_regular(path: Path, source: str) -> tuple[Any, int]:
    """The file mapped (or b"" when empty) and its size; refused unless a regular file under the cap."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError([Problem(source=source, message=_t(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}"))]) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = (("文件夹", "a folder") if stat.S_ISDIR(st.st_mode) else ("管道（FIFO）", "a pipe (FIFO)") if stat.S_ISFIFO(st.st_mode)
                    else ("设备或套接字", "a device or socket"))
            raise InputError([Problem(source=source, message=_t(f"不是普通文件（是{kind[0]}）：名册应为 .xlsx、.csv 或 .parquet 文件",
                                                                f"not a regular file ({kind[1]}): a roster is an .xlsx, .csv or .parquet file"))])
        if st.st_size > MAX_ROSTER_BYTES:
            raise InputError([Problem(source=source, message=_t(f"文件过大（{st.st_size // MB} MB，上限 {MAX_ROSTER_BYTES // MB} MB）",
                                                                f"file too large ({st.st_size // MB} MB, limit {MAX_ROSTER_BYTES // MB} MB)"))])
        return (mmap.mmap(fd, 0, access=mmap.ACCESS_READ) if st.st_size else b""), st.st_size
    except OSError as exc:
        raise InputError([Problem(source=source, message=_t(f"无法读取文件：{exc.strerror or exc}", f"cannot read the file: {exc.strerror or exc}"))]) from None
    finally:
        os.close(fd)


def read_roster(path: Path | str, sheets: Sequence[str] | None = None, is_roster: Callable[[list[str]], dict[str, str] | None] | None = None) -> Roster:
    """Read a roster from .xlsx/.xlsm, .csv (UTF-8 with or without BOM, GBK/GB18030) or .parquet.

    Every cell becomes text (``str``) or ``None``; numbers are never inferred, so money
    stays exact. Fully blank rows are dropped but row numbers stay those of the sheet.

    Args:
        sheets: the workbook's sheets to read (default: every sheet that holds a roster).
        is_roster: says of a sheet's header why it is not a roster's (None if it is); default
            ``columns.not_a_roster``.

    Raises:
        InputError: the file is missing, not a regular file, too large, unreadable, of an
            unknown kind, or empty; a named sheet is missing; a cell is too far from the data.
    """
    path = Path(path)
    source = str(path)
    # The file is mapped, not copied: the checksum (hashlib releases the GIL) runs over the mapping
    # in a thread while polars reads the same file. (A file rewritten during the read is not supported.)
    raw, size = _open_regular(path, source)
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
    pool.shutdown(wait=False)
    suffix = path.suffix.lower()
    infos: list[SheetInfo] = []
    sheet_of_row: list[str] | None = None
    try:
        if suffix in (".xlsx", ".xlsm"):
            df, rows, infos, sheet_of_row = _from_workbook(raw[:], source, sheets, is_roster)
            fmt = "xlsx"
        elif suffix == ".xls":
            raise InputError([Problem(source=source, message=_t(
                "不支持旧版 .xls 格式（无法逐格核对合并单元格和百分比格式）：请在 Excel 或 WPS 中“另存为” .xlsx",
                "the old .xls format is not read (merged cells and percent formats cannot be checked cell by cell): save it as .xlsx"))])
        elif suffix in (".csv", ".txt"):
            try:  # polars refuses invalid UTF-8, so a GBK/GB18030 export is detected by trying UTF-8 first
                df = pl.read_csv(path if size else io.BytesIO(b""), glob=False, infer_schema=False, truncate_ragged_lines=True, raise_if_empty=False)
            except pl.exceptions.ComputeError as exc:
                if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
                    raise
                data = _decode(raw[:], source).encode("utf-8")
                df = pl.read_csv(io.BytesIO(data), infer_schema=False, truncate_ragged_lines=True, raise_if_empty=False)
            _refuse_duplicate_headers(df.columns, source)
            rows = None
            fmt = "csv"
        elif suffix == ".parquet":
            df = _text_columns(pl.read_parquet(io.BytesIO(raw[:])), source)
            rows = None
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
    df = df.select([pl.col(c).cast(pl.String) for c in df.columns])
    df, rows, formula_columns, kept = _tidy(df, rows)
    if sheet_of_row is not None:
        sheet_of_row = [sheet_of_row[i] for i in kept] if kept is not None else sheet_of_row
    for info in infos:  # the rows each sheet gave, blank rows not counted
        if info.status == "read":
            info.rows = sum(1 for s in sheet_of_row if s == info.name) if sheet_of_row is not None else df.height
    sha256 = digest.result()
    if isinstance(raw, mmap.mmap):
        raw.close()
    return Roster(source=source, frame=df, rows=rows, sha256=sha256, file_format=fmt, formula_columns=frozenset(formula_columns),
                  sheet=sheet_of_row, sheets=infos)


def _tidy(df: pl.DataFrame, rows: Sequence[int] | None) -> tuple[pl.DataFrame, Sequence[int], set[str], list[int] | None]:
    """Padded cells trimmed (blank → None), formula-looking columns found, fully blank rows
    dropped. ``rows``: the sheet row of each frame row (None: from 2). Returns the frame, its
    rows, the formula columns and the indices kept (None: all)."""
    # One search per column picks out the few that need a closer look: a blank cell, a cell with
    # surrounding blanks (\\s is the same Unicode blanks the trim removes) or one that starts like a
    # formula. Those are trimmed where a cell is padded (a blank cell becomes None), then searched for
    # formula cells (for the writers).
    formula_columns: set[str] = set()
    if df.width:
        suspect = df.lazy().select([((pl.col(c).str.len_bytes() == 0) | pl.col(c).str.contains(_SUSPECT)).any().alias(c)
                                    for c in df.columns]).collect().row(0)
        look = [c for c, f in zip(df.columns, suspect) if f]
        if look:
            padded = df.select([((pl.col(c).str.strip_chars().str.len_bytes() != pl.col(c).str.len_bytes()) | (pl.col(c).str.len_bytes() == 0))
                                .any().alias(c) for c in look]).row(0)
            if any(padded):
                df = df.with_columns([_blank_to_null(pl.col(c).str.strip_chars()).alias(c) for c, p in zip(look, padded) if p])
            flags = df.select([pl.col(c).str.contains(FORMULA_START).any().alias(c) for c in look]).row(0)
            formula_columns = {c for c, f in zip(look, flags) if f}
    kept = None
    if df.width and all(df.get_column(c).null_count() for c in df.columns):
        # only when every column has a blank can a row be fully blank
        numbers = pl.Series("__row", rows, dtype=pl.Int64) if rows is not None else pl.int_range(2, df.height + 2, eager=True).alias("__row")
        df = df.with_columns(numbers, pl.int_range(0, df.height, eager=True).alias("__i"))
        df = df.filter(~pl.all_horizontal([pl.col(c).is_null() for c in df.columns if c not in ("__row", "__i")]))
        out_rows: Sequence[int] = df.get_column("__row").to_list()
        kept = df.get_column("__i").to_list()
        df = df.drop("__row", "__i")
    elif rows is not None:
        out_rows = rows
    else:
        out_rows = range(2, df.height + 2)
    return df, out_rows, formula_columns, kept


def _header_names(grid: SheetGrid, source: str, refuse: bool = True) -> list[str | None]:
    """Column names from a sheet's header cells: a blank header over data is named by its column
    letter (（AD列）); a column with neither is dropped (None). Two equal headers are refused."""
    names: list[str | None] = []
    for j, h in enumerate(grid.header):
        col = grid.frame.get_column(f"c{j}")
        if h is not None and h.strip():
            names.append(h.strip())
        elif col.null_count() < len(col) and col.str.strip_chars().str.len_bytes().fill_null(0).max():
            names.append(f"（{column_letter(grid.first_column + j)}列）")
        else:
            names.append(None)
    seen: dict[str, int] = {}
    repeated = []
    for n in names:
        if n is not None:
            seen[n] = seen.get(n, 0) + 1
            if seen[n] == 2:
                repeated.append(n)
    if repeated and refuse:
        heads = "、".join(f"“{h}”" for h in repeated)
        raise InputError([Problem(source=source, field=grid.name, message=_t(
            f"工作表“{grid.name}”的表头 {heads} 出现了不止一次：请删除或改名重复的列",
            f"sheet {grid.name!r}: header(s) {', '.join(repeated)} appear more than once: remove or rename the repeated column"))])
    return names


def _from_workbook(raw: bytes, source: str, wanted: Sequence[str] | None,
                   is_roster: Callable[[list[str]], dict[str, str] | None] | None) -> tuple[pl.DataFrame, list[int], list[SheetInfo], list[str] | None]:
    """The roster sheets of a workbook, one below the other (columns matched by header)."""
    grids = read_workbook(raw, source, set(wanted) if wanted else None)
    if is_roster is None:
        from .columns import not_a_roster as is_roster  # only now: the reader stays light
    infos: list[SheetInfo] = []
    parts: list[tuple[SheetGrid, list[str | None]]] = []
    for g in grids:
        if g.empty:
            infos.append(SheetInfo(g.name, g.hidden, "empty", skipped=g.skipped))
            continue
        why = None if wanted else is_roster([n for n in _header_names(g, source, refuse=False) if n is not None])
        if why is not None:
            infos.append(SheetInfo(g.name, g.hidden, "not_roster", note=why, skipped=g.skipped))
            continue
        names = _header_names(g, source)
        infos.append(SheetInfo(g.name, g.hidden, "read", rows=g.frame.height, skipped=g.skipped))
        parts.append((g, names))
    if not parts:
        first = next((g for g in grids if not g.empty), None)
        if first is None:
            raise InputError([Problem(source=source, message=_t("工作簿为空：没有任何内容", "the workbook is empty"))])
        parts = [(first, _header_names(first, source))]  # the first sheet with content: the missing columns will be named
        infos = [i if i.name != first.name else SheetInfo(first.name, first.hidden, "read", rows=first.frame.height) for i in infos]
    frames = []
    rows: list[int] = []
    sheet_of_row: list[str] = []
    for g, names in parts:
        keep = [(f"c{j}", n) for j, n in enumerate(names) if n is not None]
        frames.append(g.frame.select([pl.col(c).alias(n) for c, n in keep]))
        rows += g.rows
        sheet_of_row += [g.name] * g.frame.height
    df = pl.concat(frames, how="diagonal") if len(frames) > 1 else frames[0]
    return df, rows, infos, sheet_of_row if len(parts) > 1 else None


def _text_columns(df: pl.DataFrame, source: str) -> pl.DataFrame:
    """A parquet table as text columns: bytes decoded as UTF-8; a list, struct or other nested
    column refused (a roster cell holds one value), naming the column."""
    out = []
    bad = []
    for c, dtype in df.schema.items():
        if dtype == pl.Binary:
            decoded = df.get_column(c).cast(pl.String, strict=False)
            if decoded.null_count() != df.get_column(c).null_count():
                bad.append((c, "二进制（不是 UTF-8 文本）", "binary (not UTF-8 text)"))
            out.append(decoded)
        elif dtype.is_nested() or dtype == pl.Object:
            bad.append((c, "列表或结构", "a list or struct"))
        else:
            out.append(df.get_column(c))
    if bad:
        raise InputError([Problem(source=source, field=c, message=_t(f"列“{c}”的类型是{zh}：名册的每个格子应为一个值", f"column {c!r} is {en}: each roster cell holds one value"))
                          for c, zh, en in bad])
    return pl.DataFrame(out)


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
