"""A workbook (.xlsx, .xlsm) read sheet by sheet, every cell accounted for.

Each sheet comes back as a :class:`SheetGrid`: its name, whether it is hidden, its cells as text
with the spreadsheet's own row numbers, and the rows it did not read (with the reason). What is
on screen is what is read:

* a cell shown as a percentage (stored 0.9, shown 90%) is read as ``90``; a date cell as its date;
* a merged cell that spans several rows (a 乡镇 written once for a block of households) gives its
  value to every row it spans (a merge within one row — a title, a grouped header — does not);
* a formula keeps the value it last showed; one saved without a value (written by a program that
  does not calculate) is read as its formula text, which no number input accepts;
* a blank cell far from the data (a space typed in XFD1048576) is ignored, and a non-blank one
  refused with its address; nothing is ever laid out as a dense grid of the sheet's full extent.

Plain sheets (the common case: data from A1, no merges over several rows, no formulas, no percent or date formats,
no far cells — checked on the sheet's XML before anything is read) are read by fastexcel at full
speed; any other sheet cell by cell with openpyxl's sheet parser, keeping only non-blank cells.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import polars as pl

from ..core.errors import InputError, Problem, library_message
from ..core.inputforms import MAX_ROSTER_BYTES
from ..core.money import num_text

__all__ = ["MAX_COLUMNS", "SheetGrid", "column_letter", "read_workbook"]

# A roster has a few dozen columns; a non-blank cell beyond this many columns from the data is a
# stray keystroke, refused with its address (not policy: a bound on what is read).
MAX_COLUMNS = 1000
# The cells laid out for one sheet (rows × columns of its non-blank area): 25 columns × 1,048,576
# rows is 26 million; a sheet asking for more is refused rather than allowed to exhaust memory.
MAX_CELLS = 40_000_000


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass
class SheetGrid:
    """One sheet as read.

    Attributes:
        name: the sheet's name.
        hidden: hidden (or very hidden) in the workbook.
        header: the cells of its first non-blank row (the header), one per column; None if blank.
        frame: the data rows under the header, one String column per header cell (named by
            :attr:`names`), blank cells None.
        rows: the spreadsheet row number of each frame row.
        first_column: the 1-based column of the first header cell.
        skipped: rows not read and why (sheet row, reason in zh and en).
        header_row: the spreadsheet row of ``header`` (the sheet's first non-blank row; the
            roster's own header may be further down, under a title: ``layout.locate``).
    """

    name: str
    hidden: bool
    header: list[str | None]
    frame: pl.DataFrame
    rows: list[int]
    first_column: int = 1
    skipped: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    header_row: int = 1

    @property
    def empty(self) -> bool:
        return not self.header


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


def read_workbook(raw: bytes, source: str, wanted: set[str] | None = None) -> list[SheetGrid]:
    """Every sheet of an .xlsx/.xlsm workbook (or those named in ``wanted``), in workbook order.

    Raises:
        InputError: not a workbook, a sheet named in ``wanted`` missing, a sheet's XML too
            large, or a non-blank cell too far from the data (its address named).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        book = _Book(zf)
    except InputError:
        raise
    except Exception as exc:  # a corrupt archive raises many kinds
        why = library_message(exc)
        raise InputError([Problem(source=source, message=_t(f"无法读取表格：不是有效的 .xlsx 工作簿（{why}）", f"cannot read the table: not a valid .xlsx workbook ({why})"))]) from None
    names = [name for name, _, _ in book.sheets]
    if wanted is not None:
        missing = sorted(wanted - set(names))
        if missing:
            raise InputError([Problem(source=source, field="--sheet", message=_t(
                f"工作簿中没有工作表“{'、'.join(missing)}”；有：{'、'.join(names)}",
                f"the workbook has no sheet {', '.join(missing)!r}; it has: {', '.join(names)}"))])
    out = []
    for name, hidden, part in book.sheets:
        if wanted is not None and name not in wanted:
            continue
        out.append(book.read_sheet(name, hidden, part, raw, source))
    return out




_SHOWN = Context(prec=15, rounding=ROUND_HALF_UP)
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$")  # as num_text writes it: nothing to redo
_PERCENT = re.compile(r'%(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a % outside quoted text of a format code


class _Book:
    """The workbook's parts: its sheets (name, hidden, XML part), shared strings and styles."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        from openpyxl.reader.workbook import WorkbookParser

        self.zf = zf
        part = _workbook_part(zf)
        parser = WorkbookParser(zf, part)
        parser.parse()
        self.epoch = parser.wb.epoch
        self.sheets: list[tuple[str, bool, str]] = []
        for sheet, rel in parser.find_sheets():
            target = rel.target.lstrip("/")
            self.sheets.append((sheet.name, (sheet.state or "visible") != "visible", target))
        self._strings: list[Any] | None = None
        self.percent_styles, self.date_styles = self._styles()

    def _styles(self) -> tuple[set[int], set[int]]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
        from openpyxl.styles.stylesheet import Stylesheet
        from openpyxl.xml.functions import fromstring

        try:
            xml = self.zf.read("xl/styles.xml")
        except KeyError:
            return set(), set()
        sheet = Stylesheet.from_tree(fromstring(xml))
        codes = dict(BUILTIN_FORMATS)
        codes.update({f.numFmtId: f.formatCode for f in sheet.numFmts.numFmt} if sheet.numFmts is not None else {})
        percent, dates = set(), set()
        for k, xf in enumerate(sheet.cellXfs.xf if sheet.cellXfs is not None else []):
            code = codes.get(xf.numFmtId or 0) or ""
            if _PERCENT.search(code):
                percent.add(k)
            elif is_date_format(code):
                dates.add(k)
        return percent, dates

    @property
    def strings(self) -> list[Any]:
        if self._strings is None:
            from openpyxl.reader.strings import read_string_table

            try:
                if self.zf.getinfo("xl/sharedStrings.xml").file_size > MAX_ROSTER_BYTES:
                    raise InputError([Problem(source="xl/sharedStrings.xml", message=_t("工作簿的文字表过大", "the workbook's string table is too large"))])
                with self.zf.open("xl/sharedStrings.xml") as fh:
                    self._strings = read_string_table(fh)
            except KeyError:
                self._strings = []
        return self._strings

    def read_sheet(self, name: str, hidden: bool, part: str, raw: bytes, source: str) -> SheetGrid:
        try:
            info = self.zf.getinfo(part)
        except KeyError:
            raise InputError([Problem(source=source, field=name, message=_t(f"工作表“{name}”缺失（文件已损坏）", f"sheet {name!r} is missing (the file is damaged)"))]) from None
        if info.file_size > MAX_ROSTER_BYTES:
            raise InputError([Problem(source=source, field=name, message=_t(
                f"工作表“{name}”过大（展开后 {info.file_size // 1_000_000} MB）", f"sheet {name!r} is too large ({info.file_size // 1_000_000} MB unpacked)"))])
        xml = self.zf.read(part)
        if _plain(xml, self.percent_styles | self.date_styles):
            return _fast(raw, name, hidden, source)
        return self._cell_by_cell(xml, name, hidden, source)

    def _cell_by_cell(self, xml: bytes, name: str, hidden: bool, source: str) -> SheetGrid:
        parser = _CellParser(io.BytesIO(xml), self.strings, self)
        cells: dict[tuple[int, int], str] = {}
        try:
            for _, row_cells in parser.parse():
                for r, c, text in row_cells:
                    if text is not None and text.strip():
                        cells[(r, c)] = text
        except Exception as exc:
            raise InputError([Problem(source=source, field=name, message=_t(f"无法读取工作表“{name}”：{library_message(exc)}",
                                                                            f"cannot read sheet {name!r}: {library_message(exc)}"))]) from None
        if not cells:
            return SheetGrid(name, hidden, [], pl.DataFrame(), [])
        _fill_merges(cells, parser.merged_cells)
        r0 = min(r for r, _ in cells)
        c0 = min(c for _, c in cells)
        r1 = max(r for r, _ in cells)
        c1 = max(c for _, c in cells)
        if c1 - c0 + 1 > MAX_COLUMNS or (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_CELLS:
            far = max(cells, key=lambda rc: (rc[1] - c0) * (r1 - r0 + 1) + (rc[0] - r0))
            where = f"{column_letter(far[1])}{far[0]}"
            raise InputError([Problem(source=source, row=far[0], field=name, message=_t(
                f"工作表“{name}”的单元格 {where} 有内容，离其余数据太远（超过 {MAX_COLUMNS} 列或 {MAX_CELLS:,} 格）：请删除它或把它移入名册",
                f"sheet {name!r} has a non-blank cell at {where}, too far from the rest of the data (over {MAX_COLUMNS} columns or {MAX_CELLS:,} cells): "
                "delete it or move it into the roster"))])
        width = c1 - c0 + 1
        header: list[str | None] = [cells.get((r0, c)) for c in range(c0, c1 + 1)]
        rows = list(range(r0 + 1, r1 + 1))
        columns: list[list[str | None]] = [[None] * len(rows) for _ in range(width)]
        for (r, c), text in cells.items():
            if r > r0:
                columns[c - c0][r - r0 - 1] = text
        frame = pl.DataFrame({f"c{j}": columns[j] for j in range(width)}, schema={f"c{j}": pl.String for j in range(width)})
        return SheetGrid(name, hidden, header, frame, rows, first_column=c0, header_row=r0)


def _workbook_part(zf: zipfile.ZipFile) -> str:
    """The workbook's main part, from [Content_Types].xml (xl/workbook.xml as Excel writes it)."""
    try:
        types = zf.read("[Content_Types].xml")
    except KeyError:
        return "xl/workbook.xml"
    m = re.search(rb'PartName="/?([^"]+)"\s+ContentType="application/vnd\.(?:openxmlformats-officedocument\.spreadsheetml\.sheet|ms-excel\.sheet\.macroEnabled)\.main\+xml"', types)
    return m.group(1).decode() if m else "xl/workbook.xml"


def _plain(xml: bytes, styled: set[int]) -> bool:
    """Whether fastexcel reads this sheet exactly as it shows: data from A1 (a value in A1), no
    merges over several rows, no formulas, no error cells, no percent or date formats in use, every cell
    addressed, and a dense extent no larger than a few times the cells it holds."""
    if b"<sheetData>" not in xml or b't="e"' in xml or b't="d"' in xml:
        return False
    if b"<mergeCell" in xml and not _merges_within_rows(xml):
        return False
    if xml.find(b"<f") >= 0 and re.search(rb"<f[ >/]", xml):
        return False
    # a number of more than 15 digits, or in exponent form: fastexcel writes it with at most 9
    # decimals (1.5e-10 as 0) where the cell shows 15 significant digits
    if re.search(rb"<v>-?(?:[0-9]{16}|[0-9.]{17}|[0-9.]+[eE])", xml):
        return False
    if styled and re.search(rb'\ss="(?:' + b"|".join(str(k).encode() for k in sorted(styled)) + rb')"', xml):
        return False
    if not re.search(rb'<sheetData><row r="1"[^>]*><c r="A1"(?: [^>/]*)?>(?:<v>[^<]|<is>)', xml):
        return False
    n_cells = xml.count(b"<c ")
    if xml.count(b'<c r="') != n_cells:
        return False
    wide = set(re.findall(rb'<c r="([A-Z]{2,3})[0-9]', xml))
    if any(len(w) > 2 for w in wide):
        return False
    rows = [int(r) for r in re.findall(rb'<row r="([0-9]+)"', xml)]
    if not rows or rows != sorted(rows) or xml.count(b"<row ") != len(rows):
        return False
    max_col = max((26 * (w[0] - 64) + (w[1] - 64) for w in wide), default=26)
    return rows[-1] * max_col <= 4 * n_cells + 1_000_000


def _merges_within_rows(xml: bytes) -> bool:
    """Whether every merged range lies within one row (a title, a grouped header): those are not
    filled, so fastexcel reads the sheet as shown."""
    refs = re.findall(rb'<mergeCell ref="[A-Z]+([0-9]+):[A-Z]+([0-9]+)"', xml)
    return len(refs) == xml.count(b"<mergeCell ") and all(a == b for a, b in refs)


def _fast(raw: bytes, name: str, hidden: bool, source: str) -> SheetGrid:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(raw).load_sheet(name, header_row=None, dtypes="string")
        df = sheet.to_polars()
    except Exception as exc:
        raise InputError([Problem(source=source, field=name, message=_t(f"无法读取工作表“{name}”：{library_message(exc)}",
                                                                        f"cannot read sheet {name!r}: {library_message(exc)}"))]) from None
    if df.height == 0:
        return SheetGrid(name, hidden, [], pl.DataFrame(), [])
    df = df.select([pl.col(c).cast(pl.String).alias(f"c{j}") for j, c in enumerate(df.columns)])
    header = list(df.row(0))
    return SheetGrid(name, hidden, header, df.slice(1), list(range(2, df.height + 1)))


def _fill_merges(cells: dict[tuple[int, int], str], merged: Any) -> None:
    """A merged range over several rows gives its first cell's value to every cell it spans
    (clipped to the rows and columns that hold data)."""
    if merged is None:
        return
    from openpyxl.worksheet.cell_range import CellRange

    r_max = max(r for r, _ in cells)
    c_max = max(c for _, c in cells)
    for m in merged.mergeCell:
        rng = CellRange(m.ref)
        if rng.min_row == rng.max_row:
            continue  # a merge within one row: a title or a grouped header
        value = cells.get((rng.min_row, rng.min_col))
        if value is None:
            continue
        for r in range(rng.min_row, min(rng.max_row, r_max) + 1):
            for c in range(rng.min_col, min(rng.max_col, c_max) + 1):
                cells[(r, c)] = value


_COLUMNS: dict[str, int] = {}


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def _ref(ref: str) -> tuple[int, int]:
    """A1 → (1, 1): the row and column of a cell reference (column letters cached)."""
    m = _REF.match(ref)
    if m is None:
        raise ValueError(f"not a cell reference: {ref[:20]!r}")
    letters, row = m.groups()
    col = _COLUMNS.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            col = col * 26 + ord(ch) - 64
        _COLUMNS[letters] = col
    return int(row), col


def _cell_parser_class() -> type:
    from openpyxl.utils.datetime import from_excel
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, VALUE_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag, run_tag = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"

    def inline_text(element: Any) -> str:
        """An inline string's text: its <t>, or its rich-text runs' (not the phonetic guide, <rPh>)."""
        parts = []
        for child in element:
            if child.tag == text_tag:
                parts.append(child.text or "")
            elif child.tag == run_tag:
                parts.extend(t.text or "" for t in child if t.tag == text_tag)
        return "".join(parts)

    class CellParser(WorkSheetParser):
        """openpyxl's sheet parser, giving (row, column, text as shown) for each cell."""

        def __init__(self, src: Any, strings: list[Any], book: _Book) -> None:
            super().__init__(src, strings, data_only=True)
            self.book = book

        def parse_cell(self, element: Any) -> tuple[int, int, str | None]:  # type: ignore[override]
            kind = element.get("t", "n")
            ref = element.get("r")
            style = int(element.get("s", 0) or 0)
            if ref:
                row, col = _ref(ref)
                self.col_counter = col
            else:
                self.col_counter += 1
                row, col = self.row_counter, self.col_counter
            if kind == "inlineStr":
                child = element.find(INLINE_STRING)
                text = inline_text(child) if child is not None else None
            else:
                text = element.findtext(VALUE_TAG)
            if text is None or text == "":
                formula = element.find(FORMULA_TAG)
                if formula is not None:  # saved without the value it shows
                    return row, col, "=" + (formula.text or "")
                return row, col, None
            if kind == "s":
                text = str(self.shared_strings[int(text)])
            elif kind == "b":
                text = "TRUE" if text.strip() == "1" else "FALSE"
            elif kind == "n":
                text = self._number(text, style)
            return row, col, text

        def _number(self, text: str, style: int) -> str:
            if (style not in self.book.percent_styles and style not in self.book.date_styles and len(text) <= 16
                    and _PLAIN_NUMBER.match(text)):
                return text
            try:
                value = Decimal(text.strip())
            except InvalidOperation:
                return text
            if not value.is_finite():
                return text
            # as the cell shows it: a spreadsheet keeps and shows 15 significant digits
            # (0.30000000000000004 from =0.1+0.2 is 0.3; 700.0000000000001 from =1000*0.7 is 700)
            value = value.normalize(_SHOWN)
            if style in self.book.percent_styles:
                return num_text(value * 100)
            if style in self.book.date_styles:
                try:
                    when = from_excel(float(value), self.book.epoch)
                except (OverflowError, ValueError):
                    return num_text(value)
                return when.isoformat() if hasattr(when, "hour") and (when.hour or when.minute or when.second) else when.strftime("%Y-%m-%d")
            return num_text(value)

    return CellParser


_CELL_PARSER: list[type] = []  # the class, built on first use (openpyxl is imported only then)


def _CellParser(src: Any, strings: list[Any], book: _Book) -> Any:
    if not _CELL_PARSER:
        _CELL_PARSER.append(_cell_parser_class())
    return _CELL_PARSER[0](src, strings, book)
