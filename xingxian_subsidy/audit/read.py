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

import dataclasses
import hashlib
import io
import mmap
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import polars as pl

from ..core.errors import InputError, Problem, library_message
from ..core.inputforms import MAX_ROSTER_BYTES, MB
from .cells import starts_like_formula
from .layout import Skipped, TotalCheck
from .sheets import column_letter, read_workbook

if TYPE_CHECKING:  # pragma: no cover
    from ..pack.loader import YearRules

__all__ = ["ROSTER_SUFFIXES", "FileInfo", "Roster", "Scan", "SheetInfo", "Table", "TableInfo", "locate_roster", "read_roster", "roster_from_frame",
           "scan_roster"]

# the kinds of file a roster may be (a folder's other files are listed as not read)
ROSTER_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".parquet", ".xls")


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass
class SheetInfo:
    """A sheet of a workbook and what became of it: ``read`` (its ``rows`` rows are in the
    roster), ``empty``, or ``not_roster`` (no roster header in it: ``note`` says why). ``title``
    is the text above its header, ``header_rows`` the rows its header spans."""

    name: str
    hidden: bool
    status: str
    rows: int = 0
    note: dict[str, str] | None = None
    skipped: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    file: str | None = None
    title: str | None = None
    header_rows: list[int] = field(default_factory=list)


@dataclass
class FileInfo:
    """A file handed to the audit and what became of it: ``read`` (``rows`` roster rows), or
    ``not_read`` (a folder's file that is no roster: ``note`` says why)."""

    path: str
    sha256: str | None
    format: str | None
    status: str = "read"
    rows: int = 0
    note: dict[str, str] | None = None


@dataclass
class Table:
    """One table as read — a sheet of a workbook, or a CSV or parquet file — before its header is
    found: every row's cells as text (``c0``, ``c1`` …; a blank cell None) and its sheet row."""

    file: str
    sheet: str | None
    hidden: bool
    grid: pl.DataFrame
    rows: Sequence[int]
    first_column: int = 1
    header_at: int | None = None  # the header's index when the file names its columns (parquet)


@dataclass
class TableInfo:
    """A table that gave roster rows: where it is, the text above its header (its title) and
    the rows its header spans."""

    file: str
    sheet: str | None
    title: str
    header_rows: list[int]
    rows: int
    columns: list[str] = field(default_factory=list)


@dataclass
class Scan:
    """The files of a roster as read, before any header is found (``read_roster`` = ``scan_roster``
    then ``locate_roster``; the command reads while it loads the rule pack)."""

    source: str
    tables: list[Table]
    files: list[FileInfo]
    sheets: list[SheetInfo]
    chosen_sheets: bool = False


@dataclass
class Roster:
    """A roster as read: every cell text or None; ``rows`` are the spreadsheet row numbers."""

    source: str
    frame: pl.DataFrame  # all String columns, the roster's headers, data rows only
    rows: Sequence[int]  # spreadsheet row number of each frame row (header = row 1); a range when no row was dropped
    sha256: str
    file_format: str
    # the columns with a cell that would run as a formula in a spreadsheet (None: not looked at)
    formula_columns: frozenset[str] | None = None
    # each row's sheet, when more than one sheet was read (else None); and every sheet of a workbook
    sheet: list[str] | None = None
    sheets: list[SheetInfo] = field(default_factory=list)
    # each row's file, when more than one file was read (else None); and every file handed over
    file: list[str] | None = None
    files: list[FileInfo] = field(default_factory=list)
    # every row of every table that is not a roster row, with why; each 合计 row's figures checked
    skipped: list[Skipped] = field(default_factory=list)
    totals: list[TotalCheck] = field(default_factory=list)
    tables: list[TableInfo] = field(default_factory=list)


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


def read_roster(path: Path | str | Sequence[Path | str], sheets: Sequence[str] | None = None, yr: YearRules | None = None) -> Roster:
    """Read a roster from .xlsx/.xlsm, .csv (UTF-8 with or without BOM, GBK/GB18030) or .parquet
    — or from several files, or a folder of them, as one roster.

    Every cell becomes text (``str``) or ``None``; numbers are never inferred, so money stays
    exact. Each table's header is found under its title (``layout.locate``, by the words of
    ``yr``'s rule pack and the template's); blank, 合计 and signature rows are listed, not read;
    row numbers stay those of the sheet.

    Args:
        path: a file, a folder (its roster files, in name order) or a list of either.
        sheets: the workbook sheets to read (default: every sheet that holds a roster).
        yr: the rules whose words name the columns (default: the template's words only).

    Raises:
        InputError: a file is missing, not a regular file, too large, unreadable, of an unknown
            kind, or empty; a named sheet is missing; a cell is too far from the data; a header
            is written twice.
    """
    return locate_roster(scan_roster(path, sheets), yr)


def _expand(paths: Sequence[Path | str]) -> tuple[list[Path], list[FileInfo]]:
    """The files to read: each file as given, each folder's roster files in name order (its other
    files listed as not read, Excel's ``~$`` lock files among them)."""
    out: list[Path] = []
    skipped: list[FileInfo] = []
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            out.append(p)
            continue
        found = []
        for f in sorted(p.iterdir(), key=lambda q: q.name):
            if f.name.startswith(".") or f.is_dir():
                continue
            if f.name.startswith("~$"):
                skipped.append(FileInfo(str(f), None, None, "not_read", note=_t("Excel 的临时锁定文件", "an Excel lock file")))
            elif f.suffix.lower() in ROSTER_SUFFIXES:
                found.append(f)
            else:
                skipped.append(FileInfo(str(f), None, None, "not_read", note=_t(
                    f"不是名册文件（{f.suffix or '无扩展名'}）", f"not a roster file ({f.suffix or 'no suffix'})")))
        if not found:
            raise InputError([Problem(source=str(p), message=_t("文件夹中没有名册文件（.xlsx、.csv 或 .parquet）",
                                                                "the folder holds no roster file (.xlsx, .csv or .parquet)"))])
        out += found
    return out, skipped


def scan_roster(path: Path | str | Sequence[Path | str], sheets: Sequence[str] | None = None) -> Scan:
    """Read the files of a roster into tables of text cells, before any header is found (see
    :func:`read_roster`). Light on purpose: the command runs it while it loads the rule pack."""
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    files, not_read = _expand(paths)
    tables: list[Table] = []
    infos: list[FileInfo] = []
    sheet_infos: list[SheetInfo] = []
    for p in files:
        t, info, si = _scan_file(p, sheets)
        tables += t
        infos.append(info)
        sheet_infos += si
    source = str(paths[0]) if len(paths) == 1 else "、".join(str(p) for p in paths)
    return Scan(source=source, tables=tables, files=infos + not_read, sheets=sheet_infos, chosen_sheets=bool(sheets))


def _scan_file(path: Path, sheets: Sequence[str] | None) -> tuple[list[Table], FileInfo, list[SheetInfo]]:
    source = str(path)
    # The file is mapped, not copied: the checksum (hashlib releases the GIL) runs over the mapping
    # in a thread while polars reads the same file. (A file rewritten during the read is not supported.)
    raw, size = _open_regular(path, source)
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
    pool.shutdown(wait=False)
    suffix = path.suffix.lower()
    sheet_infos: list[SheetInfo] = []
    try:
        if suffix in (".xlsx", ".xlsm"):
            grids = read_workbook(raw[:], source, set(sheets) if sheets else None)
            tables = []
            for g in grids:
                if g.empty:
                    sheet_infos.append(SheetInfo(g.name, g.hidden, "empty", skipped=g.skipped, file=source))
                    continue
                head = pl.DataFrame([g.header], schema=g.frame.schema, orient="row")
                tables.append(Table(source, g.name, g.hidden, pl.concat([head, g.frame]), [g.header_row, *g.rows], g.first_column))
            if not tables and not sheet_infos:
                raise InputError([Problem(source=source, message=_t("工作簿为空：没有任何内容", "the workbook is empty"))])
            fmt = "xlsx"
        elif suffix == ".xls":
            raise InputError([Problem(source=source, message=_t(
                "不支持旧版 .xls 格式（无法逐格核对合并单元格和百分比格式）：请在 Excel 或 WPS 中“另存为” .xlsx",
                "the old .xls format is not read (merged cells and percent formats cannot be checked cell by cell): save it as .xlsx"))])
        elif suffix in (".csv", ".txt"):
            tables = [_csv_table(path, raw, size, source)]
            fmt = "csv"
        elif suffix == ".parquet":
            df = _text_columns(pl.read_parquet(io.BytesIO(raw[:])), source)
            if df.width == 0:
                raise InputError([Problem(source=source, message=_t("表格为空：没有表头", "the table is empty: no header row"))])
            grid = pl.concat([pl.DataFrame([df.columns], schema={f"c{j}": pl.String for j in range(df.width)}, orient="row"),
                              df.select([pl.col(c).cast(pl.String).alias(f"c{j}") for j, c in enumerate(df.columns)])])
            tables = [Table(source, None, False, grid, range(1, grid.height + 1), header_at=0)]
            fmt = "parquet"
        else:
            raise InputError([Problem(source=source, message=_t(f"不支持的文件类型“{suffix or '（无扩展名）'}”；应为 .xlsx、.csv 或 .parquet",
                                                                f"unsupported file type {suffix or '(none)'!r}; expected .xlsx, .csv or .parquet"))])
    except InputError:
        raise
    except Exception as exc:  # the readers raise many kinds; the user needs one clear line
        msg = library_message(exc)
        raise InputError([Problem(source=source, message=_t(f"无法读取表格：{msg}", f"cannot read the table: {msg}"))]) from None
    sha256 = digest.result()
    if isinstance(raw, mmap.mmap):
        raw.close()
    return tables, FileInfo(source, sha256, fmt), sheet_infos


# the first lines of a CSV looked at for its width (a title line has fewer fields than the table)
_PEEK_BYTES = 1 << 16


def _csv_table(path: Path, raw: Any, size: int, source: str) -> Table:
    """A CSV file as a table of text cells. Lines above the header that are shorter than the table
    (a title written by hand, with no trailing commas) are read on their own; polars reads the rest."""
    import csv

    head = bytes(raw[:_PEEK_BYTES])
    try:
        text = head.decode("utf-8-sig")
        utf8 = True
    except UnicodeDecodeError as exc:
        # a character cut at the end of the peek is still UTF-8; anything else is GBK/GB18030 (or not text)
        utf8 = size > _PEEK_BYTES and exc.start >= len(head) - 3
        text = head[: exc.start].decode("utf-8-sig") if utf8 else head.decode("gb18030", "replace")
    lines = text.splitlines()
    if size > _PEEK_BYTES:
        lines = lines[:-1]  # the last line of the peek may be cut
    parsed = list(csv.reader(lines[:200]))
    width = max((len(r) for r in parsed), default=0)
    lead = next((k for k, r in enumerate(parsed) if len(r) == width), 0)
    names = [f"c{j}" for j in range(width)]
    pre = [[(c if c.strip() else None) for c in r] + [None] * (width - len(r)) for r in parsed[:lead]]

    def read(source_: Any) -> pl.DataFrame:
        return pl.read_csv(source_, glob=False, has_header=False, skip_rows=lead, infer_schema=False, truncate_ragged_lines=True, raise_if_empty=False,
                           new_columns=names if width else None)

    if width == 0:
        raise InputError([Problem(source=source, message=_t("表格为空：没有表头", "the table is empty: no header row"))])
    try:
        if not utf8:
            raise UnicodeError
        # (the path absolute: polars reads a leading ~ as the home folder)
        df = read(Path(path).absolute() if size else io.BytesIO(b""))
    except (pl.exceptions.ComputeError, UnicodeError) as exc:
        if isinstance(exc, pl.exceptions.ComputeError) and "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
            raise
        data = _decode(raw[:], source).encode("utf-8")
        df = read(io.BytesIO(data))
    df = df.select([pl.col(c).cast(pl.String) for c in df.columns])
    if df.width < width:
        df = df.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in names[df.width:]])
    if pre:
        df = pl.concat([pl.DataFrame(pre, schema={c: pl.String for c in names}, orient="row"), df.select(names)])
    return Table(source, None, False, df, range(1, df.height + 1))


def _trimmed(grid: pl.DataFrame) -> tuple[pl.DataFrame, set[str]]:
    """Padded cells trimmed (a blank cell becomes None) and the columns with a cell that starts
    like a formula (for the writers)."""
    # One search per column picks out the few that need a closer look: a blank cell, a cell with
    # surrounding blanks (\\s is the same Unicode blanks the trim removes) or one that starts like a
    # formula. Those are trimmed where a cell is padded, then searched for formula cells.
    formula_columns: set[str] = set()
    if not grid.width or not grid.height:
        return grid, formula_columns
    suspect = grid.lazy().select([((pl.col(c).str.len_bytes() == 0) | pl.col(c).str.contains(_SUSPECT)).any().alias(c)
                                  for c in grid.columns]).collect().row(0)
    look = [c for c, f in zip(grid.columns, suspect) if f]
    if look:
        padded = grid.select([((pl.col(c).str.strip_chars().str.len_bytes() != pl.col(c).str.len_bytes()) | (pl.col(c).str.len_bytes() == 0))
                              .any().alias(c) for c in look]).row(0)
        if any(padded):
            grid = grid.with_columns([_blank_to_null(pl.col(c).str.strip_chars()).alias(c) for c, p in zip(look, padded) if p])
        flags = grid.select([starts_like_formula(pl.col(c)).any().alias(c) for c in look]).row(0)
        formula_columns = {c for c, f in zip(look, flags) if f}
    return grid, formula_columns


@dataclass
class _Part:
    """A table's roster rows, named, with where they come from."""

    table: Table
    frame: pl.DataFrame
    rows: Sequence[int]
    formula: set[str]
    keys: list[str]


def locate_roster(scan: Scan, yr: YearRules | None = None) -> Roster:
    """The roster in a :class:`Scan`: each table's header found and its columns named, its rows
    sorted into roster rows and skipped ones (``layout.locate``), each 合计 row checked, the tables'
    roster rows one below the other (a column named differently in two tables — 姓名, 农户姓名 —
    is one column)."""
    from .columns import header_words, not_a_roster
    from .layout import check_totals, locate

    words = header_words(yr)
    parts: list[_Part] = []
    sheet_infos = list(scan.sheets)
    skipped: list[Skipped] = []
    totals: list[TotalCheck] = []
    tables: list[TableInfo] = []
    fallback: tuple[Table, Any, pl.DataFrame] | None = None
    for t in scan.tables:
        grid, formula = _trimmed(t.grid)
        where = t.file if t.sheet is None else f"{t.file}[{t.sheet}]"
        loc = locate(grid, list(t.rows), words, header_at=t.header_at)
        names = _column_names(loc.names, grid, loc.data, t, where, refuse=False)
        if t.sheet is not None and not scan.chosen_sheets:
            why = not_a_roster([n for n in names if n is not None], yr)
            if why is not None:
                sheet_infos.append(SheetInfo(t.sheet, t.hidden, "not_roster", note=why, file=t.file))
                if fallback is None:
                    fallback = (t, loc, grid)
                continue
        parts.append(_part(t, loc, grid, formula, where, words))
        skipped += [dataclasses.replace(k, file=t.file, sheet=t.sheet) for k in loc.skipped]
        named = parts[-1].frame.columns
        skip = {j for j, nm in enumerate(loc.names) if nm is not None and words.field_of(nm) in ("serial", "id_number", "known", "tier")}
        totals += [dataclasses.replace(c, file=t.file, sheet=t.sheet) for c in check_totals(loc, grid, skip)]
        tables.append(TableInfo(t.file, t.sheet, loc.title, loc.header_rows, parts[-1].frame.height, list(named)))
        if t.sheet is not None:
            sheet_infos.append(SheetInfo(t.sheet, t.hidden, "read", rows=parts[-1].frame.height, file=t.file, title=loc.title or None,
                                         header_rows=loc.header_rows))
    if not parts:
        if fallback is None:
            raise InputError([Problem(source=scan.source, message=_t("工作簿为空：没有任何内容", "the workbook is empty"))])
        t, loc, grid = fallback  # the first sheet with content: the missing columns will be named
        where = t.file if t.sheet is None else f"{t.file}[{t.sheet}]"
        parts.append(_part(t, loc, grid, set(), where, words))
        skipped += [dataclasses.replace(k, file=t.file, sheet=t.sheet) for k in loc.skipped]
        tables.append(TableInfo(t.file, t.sheet, loc.title, loc.header_rows, parts[-1].frame.height, list(parts[-1].frame.columns)))
        sheet_infos = [i if (i.file, i.name) != (t.file, t.sheet) else SheetInfo(t.sheet or "", t.hidden, "read", rows=parts[-1].frame.height, file=t.file,
                                                                                  title=loc.title or None, header_rows=loc.header_rows)
                       for i in sheet_infos]
    order = {(f.path, None): k for k, f in enumerate(scan.files)}
    sheet_infos.sort(key=lambda i: (order.get((i.file, None), 0), _sheet_order(scan, i)))
    df = _concat(parts)
    rows: Sequence[int] = parts[0].rows if len(parts) == 1 else [r for p in parts for r in p.rows]
    formula_columns = {c for p in parts for c in p.formula}
    read_files = [f for f in scan.files if f.status == "read"]
    several_files = len(read_files) > 1
    several_sheets = sum(1 for p in parts if p.table.sheet is not None) > 1
    sheet_of_row = [p.table.sheet or "" for p in parts for _ in range(p.frame.height)] if several_sheets else None
    file_of_row = [Path(p.table.file).name for p in parts for _ in range(p.frame.height)] if several_files else None
    for f in scan.files:
        f.rows = sum(p.frame.height for p in parts if p.table.file == f.path)
    if len(read_files) == 1:
        sha, fmt = read_files[0].sha256 or "", read_files[0].format or ""
    else:
        sha = hashlib.sha256("".join(f.sha256 or "" for f in read_files).encode()).hexdigest()
        fmt = "+".join(dict.fromkeys(f.format or "" for f in read_files))
    return Roster(source=scan.source, frame=df, rows=rows, sha256=sha, file_format=fmt, formula_columns=frozenset(formula_columns),
                  sheet=sheet_of_row, sheets=sheet_infos if any(t.sheet is not None for t in scan.tables) or scan.sheets else [],
                  file=file_of_row, files=scan.files, skipped=skipped, totals=totals, tables=tables)


def _sheet_order(scan: Scan, info: SheetInfo) -> int:
    names = [t.sheet for t in scan.tables if t.file == info.file] + [s.name for s in scan.sheets if s.file == info.file]
    return names.index(info.name) if info.name in names else len(names)


def _column_names(located: list[str | None], grid: pl.DataFrame, data: Sequence[int], t: Table, where: str, refuse: bool = True) -> list[str | None]:
    """A name per column: its header (a header over two rows combined); a blank header over data
    is named by its column letter (（AD列）); a column with neither is dropped (None). A header
    written twice is refused, naming it."""
    has_data: list[bool] = [False] * grid.width
    if grid.width and len(data):
        body = grid.slice(data[0], data[-1] - data[0] + 1) if isinstance(data, range) else grid[list(data)]
        has_data = list(body.select([pl.col(c).is_not_null().any() for c in grid.columns]).row(0))
    names: list[str | None] = []
    for j, h in enumerate(located):
        if h is not None and h.strip():
            names.append(h.strip())
        elif has_data[j]:
            names.append(f"（{column_letter(t.first_column + j)}列）")
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
        if t.sheet is not None:
            raise InputError([Problem(source=t.file, field=t.sheet, message=_t(
                f"工作表“{t.sheet}”的表头 {heads} 出现了不止一次：请删除或改名重复的列",
                f"sheet {t.sheet!r}: header(s) {', '.join(repeated)} appear more than once: remove or rename the repeated column"))])
        raise InputError([Problem(source=where, field=repeated[0], message=_t(
            f"表头 {heads} 出现了不止一次：请删除或改名重复的列", f"header(s) {', '.join(repeated)} appear more than once: remove or rename the repeated column"))])
    return names


def _part(t: Table, loc: Any, grid: pl.DataFrame, formula: set[str], where: str, words: Any) -> _Part:
    names = _column_names(loc.names, grid, loc.data, t, where)
    data = loc.data
    body = grid.slice(data[0], data[-1] - data[0] + 1) if isinstance(data, range) and len(data) else grid[list(data)] if len(data) else grid.clear()
    keep = [(f"c{j}", n) for j, n in enumerate(names) if n is not None]
    frame = body.select([pl.col(c).alias(n) for c, n in keep])
    rows = t.rows[data.start: data.stop] if isinstance(data, range) else [t.rows[i] for i in data]
    keys = [words.column_key(n) for _, n in keep]
    return _Part(t, frame, rows, {n for c, n in keep if c in formula}, keys)


def _concat(parts: list[_Part]) -> pl.DataFrame:
    """The tables' rows one below the other; a column is named as in the first table that has it."""
    if len(parts) == 1:
        return parts[0].frame
    first: dict[str, str] = {}
    frames = []
    for p in parts:
        rename = {}
        for c, k in zip(p.frame.columns, p.keys):
            name = first.setdefault(k, c)
            if name != c and name not in p.frame.columns:
                rename[c] = name
        frames.append(p.frame.rename(rename))
    # one chunk per column: polars 2.1 can panic formatting text from columns chunked apart
    # (tests/test_form_rosters.py, two workbooks audited together)
    return pl.concat(frames, how="diagonal", rechunk=True)


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
