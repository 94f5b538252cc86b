"""A table as staff lay it out: where its header is, which rows are data and which are not.

A roster sheet as a township fills it carries a title above the header (2024年兴县蔡家崖乡发展特色
庭院经济农户奖补名册), a 填报单位/日期 row, a header over one or two rows (a group title merged over
several columns and the columns under it), sometimes a row of units or of column numbers under the
header, blank separator rows, 合计 and 小计 rows, and a signature block (制表人 审核人 日期).

:func:`locate` finds the header by the words it holds (``columns.HeaderWords``: the template's and
the rule pack's), names the columns, and sorts every other row of the table into data or skipped,
with the reason; :func:`check_totals` compares each 合计 row with the rows it adds up. Every row of
a table is accounted for: its data rows and its skipped rows are all of its rows, once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import polars as pl

from ..core.inputforms import number_text
from .columns import HeaderWords

__all__ = ["MAX_HEADER_SEARCH", "SKIP_REASONS", "Located", "Skipped", "TotalCheck", "TotalRow", "check_totals", "locate"]

# The rows from the top of a table in which its header is looked for (titles, a 填报单位 row and a
# two-row header take a handful; not policy, a bound on the search).
MAX_HEADER_SEARCH = 30
# The last rows of a table are looked at for a 合计 or signature row even when they carry a name.
_TAIL = 30

SKIP_REASONS: dict[str, dict[str, str]] = {
    "title": {"zh": "表头上方的标题、填报单位等", "en": "title or heading above the header"},
    "header": {"zh": "表头", "en": "header"},
    "units": {"zh": "表头下的单位行", "en": "row of units under the header"},
    "numbers": {"zh": "表头下的栏次行（1、2、3…）", "en": "row of column numbers under the header"},
    "blank": {"zh": "空行", "en": "blank row"},
    "total": {"zh": "合计行（已与所加各行核对）", "en": "total row (checked against the rows it adds up)"},
    "notes": {"zh": "签字、日期或备注行", "en": "signature, date or notes row"},
}


@dataclass
class Skipped:
    """Rows of a table that are not roster rows: ``first``–``last`` (sheet rows), why (a key of
    :data:`SKIP_REASONS`) and, for a 合计 row, what it reads (``text``)."""

    first: int
    last: int
    kind: str
    text: str | None = None
    file: str | None = None
    sheet: str | None = None

    def reason(self, lang: str) -> str:
        return SKIP_REASONS[self.kind][lang] + (f"：{self.text}" if self.text and lang == "zh" else f": {self.text}" if self.text else "")


@dataclass
class TotalRow:
    """A 合计 row: its sheet row, the word it reads (合计, 碾子村小计), the data rows it adds up
    (indices into the table's data rows) and its cells (by column index)."""

    row: int
    label: str
    scope: list[int]
    cells: list[str | None]


@dataclass
class TotalCheck:
    """One figure of a 合计 row against the sum of the rows it adds up (``summed`` None: a cell
    of those rows is not a number, so the figure could not be checked)."""

    row: int
    label: str
    column: str
    stated: Decimal
    summed: Decimal | None
    rows: int
    file: str | None = None
    sheet: str | None = None

    @property
    def ok(self) -> bool:
        return self.summed is not None and self.summed == self.stated


@dataclass
class Located:
    """Where a table's header is and what its rows are.

    Attributes:
        names: a name per column of the table (None: a column with neither header nor data).
        header_rows: the sheet rows of the header (one, or two for a grouped header).
        title: the text above the header (the form's title, a 填报单位 row), a line per cell,
            for naming the form.
        data: the indices (into the table) of its data rows, in order (a ``range`` when they are
            consecutive, as they usually are).
        skipped: every other row, with why.
        totals: its 合计 rows, to be checked (:func:`check_totals`).
    """

    names: list[str | None]
    header_rows: list[int]
    title: str
    data: Sequence[int]
    skipped: list[Skipped] = field(default_factory=list)
    totals: list[TotalRow] = field(default_factory=list)


def _compact(text: str | None) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split()) if text else ""


def _is_number(text: str | None) -> bool:
    return text is not None and _number(text) is not None


def _number(text: str) -> Decimal | None:
    t = number_text(text, None)
    if t is None:
        return None
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _score(cells: tuple, words: HeaderWords) -> int:
    """How many cells of a row name a column the audit knows."""
    return sum(1 for c in cells if c is not None and words.field_of(c) is not None)


def _numbers_row(cells: tuple) -> bool:
    """A row of column numbers under a header: 1, 2, 3 … (at least three, nothing else)."""
    vals = [c for c in cells if c is not None]
    if len(vals) < 3 or not all(re.fullmatch(r"[0-9]{1,3}", _compact(v)) for v in vals):
        return False
    nums = [int(_compact(v)) for v in vals]
    return nums == list(range(nums[0], nums[0] + len(nums)))


def _combine(upper: str | None, lower: str | None, words: HeaderWords) -> str | None:
    """A column's name from a header over two rows: the lower row's word (the column under a group
    title) unless the two together, or the upper alone, are what the audit knows."""
    if upper is None or lower is None or upper == lower:
        return lower if upper is None or upper == lower else upper
    for cand in (lower, upper + lower, upper):
        if words.field_of(cand) is not None:
            return cand
    return lower


def _ranges(rows: list[int], kind: str, text: str | None = None) -> list[Skipped]:
    """Consecutive sheet rows of one kind as ranges."""
    out: list[Skipped] = []
    for r in rows:
        if out and out[-1].last == r - 1 and out[-1].kind == kind and text is None:
            out[-1].last = r
        else:
            out.append(Skipped(r, r, kind, text))
    return out


def locate(grid: pl.DataFrame, rows: list[int], words: HeaderWords, *, header_at: int | None = None) -> Located:
    """Find a table's header and sort its rows (see the module's docstring).

    Args:
        grid: the table's cells, one String column per column (``c0``, ``c1`` …), trimmed (a
            blank cell is None), one row per sheet row in ``rows``.
        rows: the sheet row of each grid row.
        words: what a header cell may name.
        header_at: the index of the header row when it is known (a parquet file's column names).

    Returns:
        The header and every row's place (:class:`Located`).
    """
    n = grid.height
    if n == 0:
        return Located(names=[], header_rows=[], title="", data=[])
    blank_mask = grid.select(pl.all_horizontal([pl.col(c).is_null() for c in grid.columns])).to_series()
    blank = set(blank_mask.arg_true().to_list()) if blank_mask.any() else set()
    if len(blank) == n:
        return Located(names=[None] * grid.width, header_rows=[], title="", data=[], skipped=_ranges(list(rows), "blank"))
    first = next(i for i in range(n) if i not in blank)
    # the header: the row among the first ones that names the most columns the audit knows (two at
    # least); else the first row with anything in it
    head = grid.slice(0, min(n, first + MAX_HEADER_SEARCH + 3)).rows()
    h = header_at
    if h is None:
        best, h = 1, first
        for i in range(first, min(len(head), first + MAX_HEADER_SEARCH)):
            if i in blank:
                continue
            s = _score(head[i], words)
            if s > best:
                best, h = s, i
    top = head[h]
    names: list[str | None] = list(top)
    header_rows = [rows[h]]
    under: list[Skipped] = []
    after = h + 1
    upper = h - 1
    # a header over two rows: the row found is the lower one (its merged cells repeat the upper
    # row's, and it holds the columns under a group title) or the upper one (the next row holds them)
    if (header_at is None and upper >= first and upper not in blank and rows[upper] == rows[h] - 1
            and sum(1 for a, b in zip(head[upper], top) if a is not None and a == b) >= 2):
        names = [_combine(u, lw, words) for u, lw in zip(head[upper], top)]
        header_rows.insert(0, rows[upper])
        h = upper
    elif header_at is None and after < len(head) and rows[after] == rows[h] + 1 and after not in blank:
        sub = head[after]
        new = sum(1 for j, c in enumerate(sub) if c is not None and c != top[j] and words.field_of(c) is not None)
        if new and not any(_is_number(c) for c in sub if c is not None):
            names = [_combine(u, lw, words) for u, lw in zip(top, sub)]
            header_rows.append(rows[after])
            after += 1
    if after < len(head) and after not in blank:
        below = head[after]
        vals = [c for c in below if c is not None]
        if vals and all(words.is_unit(c) for c in vals):
            names = [f"{nm}（{_compact(u).strip('()（）')}）" if nm is not None and u is not None else nm for nm, u in zip(names, below)]
            under.append(Skipped(rows[after], rows[after], "units"))
            after += 1
        elif _numbers_row(below):
            under.append(Skipped(rows[after], rows[after], "numbers"))
            after += 1
    # above the header: the title, a 填报单位/日期 row (their text names the form)
    title_parts: list[str] = []
    for i in range(first, h):
        for c in head[i]:
            if c is not None and (not title_parts or title_parts[-1] != c):
                title_parts.append(c.replace("\n", " "))
    skipped = (_ranges([rows[i] for i in range(h) if i in blank], "blank") + _ranges([rows[i] for i in range(h) if i not in blank], "title")
               + [Skipped(header_rows[0], header_rows[-1], "header")] + under)

    # the rows under the header: data, or blank, 合计 and signature rows
    named = {words.field_of(nm): j for j, nm in reversed(list(enumerate(names))) if nm is not None}
    name_j, claimed_j, id_j = named.get("name"), named.get("claimed"), named.get("id_number")
    # a row holding nothing but a 序号 or the 乡镇 and 村 (written once, merged down a block that
    # takes in a blank separator row) is blank too
    filler = [j for j, nm in enumerate(names) if nm is not None and words.field_of(nm) in ("serial", "township", "village")]
    if filler and len(filler) < grid.width and name_j is not None:
        others = [c for j, c in enumerate(grid.columns) if j not in filler]
        empty = grid.slice(after).select(pl.all_horizontal([pl.col(c).is_null() for c in others])).to_series()
        if empty.any():
            blank = blank | {after + i for i in empty.arg_true().to_list()}
    look: set[int] = set()
    if name_j is not None and after < n:
        col = grid.get_column(grid.columns[name_j]).slice(after)
        cand = (col.is_null() | col.str.replace_all(r"\s", "").is_in(list(words.totals))).arg_true()
        look = {after + i for i in cand.to_list()}
        tail: list[int] = []
        i = n - 1
        while i >= after and len(tail) < _TAIL:
            if i not in blank:
                tail.append(i)
            i -= 1
        look.update(tail)
    look -= blank
    cells_of = {i: grid.row(i) for i in sorted(look)}
    totals: list[TotalRow] = []
    notes_seen = False
    runs: list[range] = []  # the data rows, as runs of consecutive indices
    count = 0  # data rows so far
    since_total = 0  # the data row a 小计 adds up from
    blank_rows: list[int] = []
    notes_rows: list[int] = []

    def take(first: int, stop: int) -> None:
        nonlocal count
        if stop > first:
            if runs and runs[-1].stop == first:
                runs[-1] = range(runs[-1].start, stop)
            else:
                runs.append(range(first, stop))
            count += stop - first

    # Only a blank row or a row worth a look can be anything but data: the runs between them are
    # taken whole (a roster of a million rows is not walked row by row).
    at = after
    for i in sorted(k for k in blank | look if k >= after):
        take(at, i)
        at = i + 1
        if i in blank:
            blank_rows.append(rows[i])
            continue
        cells = cells_of[i]
        label = _total_label(cells, name_j, id_j, words)
        if label is not None:
            bare = label in words.totals and not label.endswith("小计")
            totals.append(TotalRow(rows[i], label, list(range(count)) if bare else list(range(since_total, count)), list(cells)))
            since_total = count
            skipped.append(Skipped(rows[i], rows[i], "total", label))
            continue
        if _notes_row(cells, words) or (notes_seen and _empty_at(cells, name_j, claimed_j)):
            notes_seen = True
            notes_rows.append(rows[i])
            continue
        take(i, i + 1)
    take(at, n)
    # one run (the usual case) stays a range: the table's rows are then sliced, not gathered
    data: Sequence[int] = runs[0] if len(runs) == 1 else [i for r in runs for i in r]
    skipped += _ranges(blank_rows, "blank") + _ranges(notes_rows, "notes")
    skipped.sort(key=lambda s: s.first)
    return Located(names=names, header_rows=header_rows, title="\n".join(title_parts), data=data, skipped=skipped, totals=totals)


def _total_label(cells: tuple, name_j: int | None, id_j: int | None, words: HeaderWords) -> str | None:
    """The word of a 合计 row (合计, 小计, 碾子村小计), or None: a cell reads a total word and the
    row names no household (its name cell is blank or is that word, and it has no ID)."""
    if not words.totals:
        return None
    if id_j is not None and cells[id_j] is not None:
        return None
    for j, c in enumerate(cells):
        t = _compact(c).rstrip(":：")
        if not t or _is_number(c):
            continue
        hit = t in words.totals or (len(t) <= 12 and any(t.endswith(w) for w in words.totals))
        # the name cell is blank, the word itself, or a count (20户)
        if hit and (name_j is None or cells[name_j] is None or j == name_j or _COUNT.fullmatch(_compact(cells[name_j]))):
            return t
    return None


_COUNT = re.compile(r"(共)?[0-9]+(户|人|个|家)?")


def _notes_row(cells: tuple, words: HeaderWords) -> bool:
    """A signature, date or notes row: its first cell starts with a notes word (制表人：, 审核人 李四,
    注：…); a word of one or two characters must be followed by a colon, a bracket or a blank."""
    text = next((c for c in cells if c is not None), None)
    if text is None or not words.notes:
        return False
    t = text.strip()
    for w in words.notes:
        if t.startswith(w):
            rest = t[len(w):]
            if len(w) >= 3 or not rest or rest[0] in "：:（( \u3000":
                return True
    return False


def _empty_at(cells: tuple, *cols: int | None) -> bool:
    """Nothing in these columns (a row of a signature block after its first line)."""
    return all(j is None or cells[j] is None for j in cols)


def check_totals(located: Located, grid: pl.DataFrame, skip: set[int] = frozenset()) -> list[TotalCheck]:  # type: ignore[assignment]
    """Each figure of each 合计 row against the sum of the data rows it adds up: every column whose
    cell in the 合计 row is a number, except ``skip`` (序号, 身份证号). A column whose rows are
    not all numbers (or blank) is reported with ``summed`` None."""
    out: list[TotalCheck] = []
    for t in located.totals:
        idx = [located.data[k] for k in t.scope]
        for j, cell in enumerate(t.cells):
            name = located.names[j] if j < len(located.names) else None
            if name is None or j in skip or cell is None:
                continue
            stated = _number(cell)
            if stated is None:
                continue
            values = grid.get_column(grid.columns[j]).gather(idx).drop_nulls().to_list() if idx else []
            nums = [_number(v) for v in values]
            summed = None if any(v is None for v in nums) else sum((v for v in nums if v is not None), Decimal(0))
            out.append(TotalCheck(t.row, t.label, name, stated, summed, len(idx)))
    return out
