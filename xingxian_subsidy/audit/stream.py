"""Audit a roster of any size in bounded memory (``audit ROSTER --stream``).

Every check across rows groups by the applicant (``frame.base_frame``'s ``key``: the 身份证号,
else 姓名 + 村): the household caps, once per household, one ID under two names, one household in
two townships, a subject that differs between rows. So the roster is cut into partitions by its
applicant key — each applicant's rows all in one partition, in input order — and each partition
is audited on its own by the same stages (``pipeline.audit``); what they give adds up:

1. **Spill.** The CSV is read in batches of ``batch_rows`` lines (polars, every cell text); each
   batch's rows are located as the whole file's are (``read.locate_roster``: cells trimmed, blank
   and signature rows set aside), given their spreadsheet row number and their partition
   (a hash of the applicant key) and written to that partition's Parquet files.
2. **Audit.** Each partition is read back (its rows in input order) and audited; its detail rows
   and problem-list rows are spilled again, cut by row-number ranges, and its summaries kept as
   sums (``summaries.summary_parts``: exact, integer 分).
3. **Write.** The detail and the problem list are written range by range, in row order; the
   summaries, the contested-readings table and the stamp from the sums. The output set (the CSV
   detail with its sidecars) is renamed into place all or nothing (``core.files.write_all``).

Peak memory depends on ``batch_rows`` and the partition size, not on the roster's length.
All spilled files live in one temporary folder beside the output, removed at the end, on error
and on Ctrl-C. What the stream path does not do: a workbook (an .xlsx holds at most 1,048,576
rows a sheet: the in-memory path reads it), a CSV with a title above its header or a 合计 row
(a hand-made table: the in-memory path checks its totals) and an output other than .csv.
The explanation limit counts the whole roster's problem rows, as in memory (``_explain_first``).
"""

from __future__ import annotations

import csv
import dataclasses
import heapq
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import polars as pl

from ..core.errors import InputError, OutputError, Problem
from ..core.files import file_sha256, output_problem, refuse_inputs, write_all
from ..pack.loader import RulePack, load_rules
from .columns import map_columns
from .facts import Defaults, Fact
from .frame import key_texts
from .layout import Skipped
from .read import FileInfo, Roster, Scan, Table, TableInfo, locate_roster
from .reasons import EXPLAIN_ROWS, Explanations, short_reasons
from .report import AuditReport
from .summaries import merge_summary_parts, summaries_from_parts

__all__ = ["audit_stream"]

_ROW = "__row"
_PEEK = 1 << 16


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _refuse(source: str, zh: str, en: str) -> InputError:
    return InputError([Problem(source=source, message=_t(zh, en))])


def audit_stream(
    path: Path | str,
    out: Path | str,
    pack: RulePack | None = None,
    *,
    year: int | None = None,
    lang: str = "zh",
    engine: str = "vector",
    explain: bool = False,
    explain_limit: int | None = 1000,
    readings: bool = True,
    defaults: Defaults | None = None,
    show_id: bool = False,
    batch_rows: int = 500_000,
    partitions: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Path], AuditReport, int]:
    """Audit the CSV roster at ``path`` partition by partition and write the report set to ``out``
    (a .csv: the detail, ``.issues.csv``, ``.summary.csv``, ``.readings.csv``, ``.stamp.json``).
    Returns the files written, the report without its rows (summaries, status counts and stamp)
    and the number of problem-list entries.

    The output is the in-memory path's (``pipeline.audit`` then ``writers.write_report``) byte for
    byte but for the stamp's ``generated_at``.

    Args:
        batch_rows: lines read at a time, and rows written at a time.
        partitions: how many partitions (default: one per ~``batch_rows`` rows, from the file's size).
        progress: called as ``progress(stage, done, total)`` (stages ``spill``, ``audit``, ``write``).

    Raises:
        InputError: not a UTF-8 CSV whose first line is its header, a 合计 row, an output that is
            not .csv, or what the in-memory path refuses.
        OutputError: the output is the input, or cannot be written.
    """
    path, out = Path(path), Path(out)
    source = str(path)
    if out.suffix.lower() != ".csv":
        raise _refuse(str(out), f"流式核对（--stream）只输出 .csv 报告（明细及其附带文件），不支持“{out.suffix or '（无扩展名）'}”：请改用 .csv，或去掉 --stream",
                      f"the stream path (--stream) writes a .csv report (the detail and its sidecars), not {out.suffix or '(none)'!r}: use .csv, or drop --stream")
    if path.suffix.lower() not in (".csv", ".txt") or not path.is_file():
        raise _refuse(source, "流式核对（--stream）只读取一个 .csv 名册文件；工作簿等请去掉 --stream",
                      "the stream path (--stream) reads one .csv roster file; for a workbook or a folder, drop --stream")
    pack = pack or load_rules()
    yr = pack.for_year(pack.latest_year if year is None else year)
    tick = progress or (lambda stage, done, total: None)
    size = path.stat().st_size
    parts = partitions or max(1, -(-size // (batch_rows * 200)))  # ~200 bytes a row on a typical roster
    refuse_inputs([out], [path])  # before hours of work, not after
    _sweep_spills(out)
    try:
        # (absolute: polars reads a path that starts with ~ as the home folder)
        folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.stream.{os.getpid()}.", dir=out.parent if str(out.parent) else ".")).absolute()
    except OSError as exc:
        raise OutputError([output_problem(out, exc)]) from None
    try:
        spilled = _spill(path, yr, folder, batch_rows, parts, tick)
        audited = _audit_parts(spilled, folder, pack, batch_rows, tick, year=year, lang=lang, engine=engine, explain=explain,
                               explain_limit=explain_limit, readings=readings, defaults=defaults)
        written, problems = _write(audited, spilled, folder, out, show_id, path, tick)
        return written, audited.shell, problems
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep_spills(out: Path) -> None:
    """Remove the spill folders an earlier run towards ``out`` left when it was killed outright
    (SIGKILL, a power cut: no clean-up ran). A folder names the process that made it
    (``.R.csv.stream.PID.xxxx``); one whose process is gone is removed, one of a running process
    (another run, or a PID taken again) is left alone."""
    import glob

    for folder in (out.parent if str(out.parent) else Path(".")).glob(f".{glob.escape(out.name)}.stream.*"):
        pid = folder.name[len(out.name) + len("..stream."):].partition(".")[0]
        if not folder.is_dir() or folder.is_symlink() or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, another user's: not ours to remove
            continue


@dataclasses.dataclass
class _Spilled:
    """What pass 1 left: the partitions' files, the header, and what the whole file says."""

    source: str
    sha256: str
    rows: int
    parts: int
    columns: list[str]
    table: TableInfo
    skipped: list[Skipped]
    key_of: Callable[[pl.DataFrame], pl.Series] | None = None  # the applicant key of each row


def _header(path: Path, source: str) -> int:
    """The CSV's width, refused unless UTF-8 with its header on the first line (no title above it)."""
    with path.open("rb") as fh:
        head = fh.read(_PEEK)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not (len(head) == _PEEK and exc.start >= len(head) - 3):
            raise _refuse(source, "流式核对（--stream）只读取 UTF-8 编码的 CSV：请另存为 UTF-8，或去掉 --stream",
                          "the stream path (--stream) reads UTF-8 CSV only: save it as UTF-8, or drop --stream") from None
        text = head[: exc.start].decode("utf-8-sig")
    lines = text.splitlines()[: -1 if len(head) == _PEEK else None]
    parsed = list(csv.reader(lines[:200]))
    width = max((len(r) for r in parsed), default=0)
    if width == 0:
        raise _refuse(source, "表格为空：没有表头", "the table is empty: no header row")
    if len(parsed[0]) != width:
        raise _refuse(source, "流式核对（--stream）要求 CSV 的第一行就是表头（上方没有标题行）：请删去标题行，或去掉 --stream",
                      "the stream path (--stream) needs the header on the CSV's first line (no title above it): remove the title, or drop --stream")
    return width



def _spill(path: Path, yr: Any, folder: Path, batch_rows: int, parts: int, tick: Callable[[str, int, int], None]) -> _Spilled:
    """Pass 1: the CSV in batches, each row located, numbered and written to its partition's files."""
    source = str(path)
    width = _header(path, source)
    names = [f"c{j}" for j in range(width)]
    # (the path absolute: polars reads a leading ~ as the home folder)
    lf = pl.scan_csv(Path(path).absolute(), has_header=False, infer_schema=False, truncate_ragged_lines=True, new_columns=names, glob=False,
                     raise_if_empty=False, row_index_name=_ROW, row_index_offset=1)
    header: pl.DataFrame | None = None
    columns: list[str] | None = None
    table: TableInfo | None = None
    skipped: list[Skipped] = []
    rows = 0
    key_of = None
    for k, batch in enumerate(_batches(lf, batch_rows, path)):
        grid = batch.select(names)
        lines = batch.get_column(_ROW).cast(pl.Int64).to_list()
        if header is None:
            header = grid.head(1)
        else:
            grid, lines = pl.concat([header, grid]), [1, *lines]
        scan = Scan(source=source, tables=[Table(source, None, False, grid, lines, header_at=None if k == 0 else 0)],
                    files=[FileInfo(source, None, "csv")], sheets=[])
        got = locate_roster(scan, yr)
        if got.totals:
            raise _refuse(source, "名册中有“合计”行：流式核对（--stream）不核对合计，请去掉 --stream", "the roster has a totals row: drop --stream to check it")
        t = got.tables[0]
        if table is None:
            if t.title or t.header_rows != [1]:
                raise _refuse(source, "流式核对（--stream）要求单行表头、上方没有标题：请去掉 --stream",
                              "the stream path (--stream) needs a one-line header with no title above it: drop --stream")
            table, columns = t, list(got.frame.columns)
            cmap = map_columns(columns, yr, source, required=[])
            key_of = _key_function(cmap.fixed)
        if list(got.frame.columns) != columns:
            raise _refuse(source, f"第{lines[1] if len(lines) > 1 else 1}行起的列与表头不一致：请去掉 --stream",
                          f"the columns from row {lines[1] if len(lines) > 1 else 1} on differ from the header's: drop --stream")
        skipped = _joined(skipped, [s for s in got.skipped if k == 0 or s.first != 1])  # the header, repeated above each batch
        frame = got.frame.with_columns(pl.Series(_ROW, list(got.rows), dtype=pl.Int64))
        assert key_of is not None
        part = key_of(frame).hash(0x5EED) % parts
        for p, piece in frame.with_columns(part.alias("__part")).partition_by("__part", as_dict=True, include_key=False).items():
            piece.write_parquet(folder / f"in{int(p[0]):05d}_{k:06d}.parquet")  # type: ignore[call-overload]
        rows += frame.height
        tick("spill", rows, rows)
    assert table is not None and columns is not None
    return _Spilled(source, file_sha256(path), rows, parts, columns, dataclasses.replace(table, rows=rows), skipped, key_of)


def _batches(lf: pl.LazyFrame, batch_rows: int, path: Path) -> Any:
    """The CSV's batches; a line polars cannot read refused, located: the first line not UTF-8, else
    (a quote left open) from the line after the last one read. Not polars' message: it quotes the
    line, which holds an ID number."""
    after = 0
    try:
        for batch in lf.collect_batches(chunk_size=batch_rows):
            if batch.height:
                after = int(batch.get_column(_ROW).max())  # type: ignore[arg-type]
            yield batch
    except pl.exceptions.ComputeError:
        line = _first_bad_utf8_line(path)
        if line is not None:
            raise InputError([Problem(source=str(path), row=line, message=_t(
                "这一行不是 UTF-8 编码：流式核对（--stream）只读取 UTF-8 编码的 CSV，请另存为 UTF-8",
                "this line is not UTF-8: the stream path (--stream) reads UTF-8 CSV only, save the file as UTF-8"))]) from None
        raise InputError([Problem(source=str(path), row=after + 1, message=_t(
            "从这一行起有一行无法读取（多半是引号不成对）：请检查引号",
            "a line from this one on cannot be read (most likely a quote left open): check the quotes"))]) from None


def _first_bad_utf8_line(path: Path) -> int | None:
    """The 1-based line of the file's first byte that is not UTF-8 (None: all of it is)."""
    import codecs

    dec, line = codecs.getincrementaldecoder("utf-8")(), 1
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                dec.decode(block)
            except UnicodeDecodeError as exc:
                return line + block.count(b"\n", 0, exc.start)
            line += block.count(b"\n")
    return None


def _key_function(fx: dict[str, str]) -> Callable[[pl.DataFrame], pl.Series]:
    """The applicant key of ``frame.base_frame`` (``key``) of each row: 身份证号, else 姓名 + 村."""

    def text(frame: pl.DataFrame, fieldname: str) -> pl.Series:
        c = fx.get(fieldname)
        return key_texts(frame.get_column(c)) if c is not None else pl.repeat(None, frame.height, dtype=pl.String, eager=True)

    def key(frame: pl.DataFrame) -> pl.Series:
        ids, name, village = text(frame, "id_number").str.to_uppercase(), text(frame, "name"), text(frame, "village")
        return pl.select(pl.when(ids.is_not_null()).then(pl.lit("id:") + ids)
                         .otherwise(pl.lit("nv:") + name.fill_null("") + pl.lit("|") + village.fill_null(""))).to_series()
    return key


def _joined(done: list[Skipped], more: list[Skipped]) -> list[Skipped]:
    """Skipped rows of the batches so far and of the next: a run cut by a batch's end made one again."""
    for s in more:
        last = done[-1] if done else None
        if last is not None and last.kind == s.kind and last.text == s.text and last.last + 1 == s.first:
            done[-1] = dataclasses.replace(last, last=s.last)
        else:
            done.append(s)
    return done


@dataclasses.dataclass
class _Audited:
    """What pass 2 gives: the report without its rows (the whole roster's summaries, readings
    and stamp, and a partition's empty detail and problem list for their columns)."""

    shell: AuditReport
    limit_note: int | None = None  # the explanation limit, when the roster passes it: each short reason notes it


def _partition_roster(spilled: _Spilled, folder: Path, p: int) -> Roster | None:
    """Partition ``p``'s rows, in input order, as a roster (None: no row)."""
    files = sorted(folder.glob(f"in{p:05d}_*.parquet"))
    if not files:
        return None
    frame = pl.concat([pl.read_parquet(f) for f in files])
    return _roster(spilled, frame)


def _roster(spilled: _Spilled, frame: pl.DataFrame) -> Roster:
    return Roster(source=spilled.source, frame=frame.drop(_ROW), rows=frame.get_column(_ROW).to_list(), sha256=spilled.sha256, file_format="csv",
                  files=[FileInfo(spilled.source, spilled.sha256, "csv", rows=spilled.rows)], tables=[spilled.table])


def _audit_parts(spilled: _Spilled, folder: Path, pack: RulePack, batch_rows: int, tick: Callable[[str, int, int], None],
                 **options: Any) -> _Audited:
    """Pass 2: each partition audited on its own; detail and problem rows spilled by row range.

    The explanation limit counts the whole roster's problem rows (``reasons.plan_explanations``):
    with one, the partitions are audited explaining none, and the applicants of the roster's first
    ``explain_limit`` such rows (a few rows of each partition) audited again, explained; their
    rows take the place of the first run's (:func:`_explain_first`)."""
    from .pipeline import audit_parts

    limit = None if options["explain"] else options["explain_limit"]
    pieces: list[list[pl.DataFrame]] = []
    stamps: list[dict[str, Any]] = []
    facts: list[tuple[Fact, int]] = []  # each partition's facts, with the first row of a subject read from the row's subsidy
    readings: list[pl.DataFrame] = []
    missing: dict[int, list[int]] = {}  # per partition, its first problem rows the limit counts
    counted = explained = 0
    shell: AuditReport | None = None
    for p in range(spilled.parts):
        roster = _partition_roster(spilled, folder, p)
        if roster is None:
            continue
        report, parts = audit_parts(roster, pack, **options, defer_explanations=limit is not None)
        _spill_by_range(report.rows, folder, "d", p, batch_rows)
        _spill_by_range(report.issues.with_row_index("__seq"), folder, "i", p, batch_rows)
        pieces.append(parts.summary)
        stamps.append(report.stamp)
        facts += [(f, _first_row(f, report.rows)) for f in parts.facts]
        missing[p] = parts.missing_rows[: limit or 0]  # the roster's first ``limit`` are among the partitions' first
        counted += len(parts.missing_rows)
        explained += parts.explained_lines
        if report.readings is not None:
            readings.append(report.readings)
        shell = shell or dataclasses.replace(report, rows=report.rows.clear(), issues=report.issues.clear())
        tick("audit", len(stamps), spilled.parts)
    if shell is None:  # no roster row at all: the in-memory path's report of none
        report, parts = audit_parts(_roster(spilled, pl.DataFrame(schema={**{c: pl.String for c in spilled.columns}, _ROW: pl.Int64})), pack, **options)
        shell, pieces, stamps = report, [parts.summary], [report.stamp]
        readings = [report.readings] if report.readings is not None else []
    left_out = 0
    if limit is not None:
        chosen = set(heapq.nsmallest(limit, (r for rows in missing.values() for r in rows)))
        more, left_out = _explain_first(spilled, folder, pack, batch_rows, {p: [r for r in rows if r in chosen] for p, rows in missing.items()},
                                        EXPLAIN_ROWS * limit, options)
        explained += more
    yr = pack.for_year(shell.year)
    merged = merge_summary_parts(pieces, yr)
    summaries, texts, counts = summaries_from_parts(merged, yr, shell.lang, False)
    shell = dataclasses.replace(shell, summaries=summaries, texts=texts, status_counts=counts, readings=_readings(readings))
    stamp = {**_stamp(stamps, spilled, yr, shell.lang), "facts": [f.describe(shell.lang) for f in _facts(facts)]}
    if limit is not None:  # the partitions' own counts (rows left out of a fallback applicant's explanation) and the roster's
        stamp["rows_explained_by_engine"] += explained
        stamp["problem_rows_without_itemised_reason"] += counted - min(counted, limit) + left_out
    note = limit if limit is not None and stamp["problem_rows_without_itemised_reason"] else None
    return _Audited(dataclasses.replace(shell, stamp=stamp), note)


def _first_row(fact: Fact, rows: pl.DataFrame) -> int:
    """The first row a subject read from the row's subsidy fills (the in-memory path lists such
    facts in that order); 0 for any other fact (one of its field and table at most)."""
    if fact.field != "subject" or fact.source != "rule":
        return 0
    first = rows.filter(pl.col("subject_raw") == fact.value).get_column("row").min()
    return int(first) if first is not None else 0  # type: ignore[arg-type]


def _facts(facts: list[tuple[Fact, int]]) -> list[Fact]:
    """The partitions' facts made the whole roster's, in the in-memory order: the same fact's rows
    added up; by field (the order ``facts.apply_facts`` fills them in), then by first row."""
    merged: dict[tuple[Any, ...], tuple[Fact, int]] = {}
    for f, first in facts:
        k = (f.file, f.sheet, f.field, f.value, f.source, f.text)
        if k in merged:
            g, at = merged[k]
            merged[k] = (dataclasses.replace(g, rows=g.rows + f.rows), min(at, first))
        else:
            merged[k] = (f, first)
    order = {"rule": 0, "subject": 1, "category": 2}
    return [f for f, _ in sorted(merged.values(), key=lambda fa: (order[fa[0].field], fa[1]))]


def _explain_first(spilled: _Spilled, folder: Path, pack: RulePack, batch_rows: int, chosen: dict[int, list[int]], budget: int,
                   options: dict[str, Any]) -> tuple[int, int]:
    """The applicants of the chosen rows audited again with every problem row explained (the
    checks across rows are per applicant: their rows come out as in the whole roster); their
    detail and problem rows spilled to take the place of the first run's. As in memory
    (``reasons.plan_explanations``), the applicants in the order of their first chosen row, each
    only if its rows fit in what is left of ``budget``. Returns the lines the reference engine
    gave the rows it explained, and how many chosen rows were left out."""
    from .pipeline import audit_parts

    def keyed(p: int) -> tuple[pl.DataFrame, pl.Series]:
        roster = _partition_roster(spilled, folder, p)
        assert roster is not None and spilled.key_of is not None
        frame = roster.frame.with_columns(pl.Series(_ROW, list(roster.rows), dtype=pl.Int64))
        return frame, spilled.key_of(frame)

    applicants: list[tuple[int, int, str, int, int]] = []  # first chosen row, partition, key, its rows, its chosen rows
    for p, rows in chosen.items():
        if rows:
            frame, keys = keyed(p)
            at = frame.select(pl.col(_ROW), keys.alias("k")).filter(pl.col(_ROW).is_in(pl.Series(rows, dtype=pl.Int64).implode()))
            firsts = at.group_by("k").agg(pl.col(_ROW).min(), pl.len().alias("chosen"))
            sizes = dict(keys.value_counts(name="n").iter_rows())
            applicants += [(first, p, k, sizes[k], n) for k, first, n in firsts.iter_rows()]
    kept: dict[int, list[str]] = {}
    left_out = 0
    for _, p, k, size, n in sorted(applicants):
        if size <= budget:
            kept.setdefault(p, []).append(k)
            budget -= size
        else:
            left_out += n
    explained = 0
    for p, ks in kept.items():
        frame, keys = keyed(p)
        report, parts = audit_parts(_roster(spilled, frame.filter(keys.is_in(pl.Series(ks, dtype=pl.String).implode()))), pack,
                                    **dict(options, explain_limit=None))
        _spill_by_range(report.rows, folder, "s", p, batch_rows)
        _spill_by_range(report.issues.with_row_index("__seq"), folder, "t", p, batch_rows)
        explained += parts.explained_lines
    return explained, left_out


def _spill_by_range(df: pl.DataFrame, folder: Path, kind: str, p: int, batch_rows: int) -> None:
    """A partition's rows (or problem-list rows) written by row-number range (``row // batch_rows``)."""
    if not df.height:
        return
    for (r,), piece in df.with_columns((pl.col("row") // batch_rows).alias("__range")).partition_by("__range", as_dict=True, include_key=False).items():
        piece.write_parquet(folder / f"{kind}{int(r):09d}_{p:05d}.parquet")  # type: ignore[call-overload]


def _readings(tables: list[pl.DataFrame]) -> pl.DataFrame | None:
    """The contested-readings tables of the partitions added up (same readings, same order)."""
    if not tables:
        return None
    sums = ["rows", "rows_changed", "base_fen", "variant_fen", "change_fen"]
    first = tables[0]
    return first.with_columns([pl.sum_horizontal([t.get_column(c) for t in tables]).cast(first.schema[c]).alias(c) for c in sums])


def _stamp(stamps: list[dict[str, Any]], spilled: _Spilled, yr: Any, lang: str) -> dict[str, Any]:
    """The partitions' stamps made the whole roster's: rows, inputs and skipped rows of the file,
    the rules present in any, read-as spellings and explanation counts added up."""
    from .pipeline import skipped_entry

    stamp = dict(stamps[0])
    stamp["rows"] = spilled.rows
    stamp["inputs"] = [{**i, "rows": spilled.rows} for i in stamp["inputs"]]
    stamp["skipped"] = [skipped_entry(k, lang, False) for k in spilled.skipped]
    order = {rid: k for k, rid in enumerate(yr.rules)}
    scope = {s["rule"]: s for st in stamps for s in st["scope"]}
    stamp["scope"] = [scope[r] for r in sorted(scope, key=lambda r: order.get(r, len(order)))]
    read_as: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for st in stamps:
        for e in st["read_as"]:
            k = (e["column"], e["written"], e["read_as"])
            read_as[k] = {**e, "rows": read_as[k]["rows"] + e["rows"]} if k in read_as else dict(e)
    stamp["read_as"] = list(read_as.values())
    for k in ("rows_explained_by_engine", "problem_rows_without_itemised_reason"):
        stamp[k] = sum(st[k] for st in stamps)
    return stamp


def _write(audited: _Audited, spilled: _Spilled, folder: Path, out: Path, show_id: bool, path: Path,
           tick: Callable[[str, int, int], None]) -> tuple[list[Path], int]:
    """Pass 3: the detail and the problem list range by range in row order, then the summaries,
    readings and stamp; the set renamed into place together."""
    from .writers import write_report

    shell = audited.shell
    scratch = folder / "chunks"
    scratch.mkdir()
    names = {"detail": out.name, "issues": out.stem + ".issues.csv", "summary": out.stem + ".summary.csv", "readings": out.stem + ".readings.csv"}
    joined = {k: folder / f"all.{k}" for k in ("detail", "issues")}
    ranges = sorted({int(f.name[1:10]) for f in folder.glob("[distu]*.parquet") if f.name[1:10].isdigit()})
    done = problems = 0
    heads: dict[str, int] = {}  # the bytes of each file's BOM and header, written once
    for n, r in enumerate([None, *ranges]):
        rows, issues = _range(folder, r, audited) if r is not None else (shell.rows, shell.issues)
        written = write_report(dataclasses.replace(shell, rows=rows, issues=issues, formula_free=frozenset()), scratch / out.name, show_id=show_id)
        by_name = {w.name: w for w in written}
        for k, target in joined.items():
            heads[k] = _append(by_name[names[k]], target, heads.get(k, 0))
        if n == 0:
            for k in ("summary", "readings"):
                if names[k] in by_name:
                    os.replace(by_name[names[k]], folder / f"all.{k}")
        done += rows.height
        problems += issues.height
        tick("write", done, spilled.rows)
    outputs = {out: folder / "all.detail", out.with_name(names["issues"]): folder / "all.issues", out.with_name(names["summary"]): folder / "all.summary"}
    if (folder / "all.readings").exists():
        outputs[out.with_name(names["readings"])] = folder / "all.readings"
    files = {target.name: file_sha256(src) for target, src in outputs.items()}
    stamp = {**shell.stamp, "files": files}
    writers: dict[Path, Callable[[Path], None]] = {target: (lambda tmp, src=src: os.replace(src, tmp)) for target, src in outputs.items()}
    writers[out.with_name(out.stem + ".stamp.json")] = lambda tmp: tmp.write_text(json.dumps(stamp, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return write_all(writers, [path]), problems


def _range(folder: Path, r: int, audited: _Audited) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The detail and problem rows of row range ``r``, in row order; the rows audited again
    (:func:`_explain_first`) in place of their first run's."""
    rows, again = (_gather(folder, k, r, audited.shell.rows.schema) for k in ("d", "s"))
    issues, again_issues = (_gather(folder, k, r, {"__seq": pl.UInt32, **audited.shell.issues.schema}) for k in ("i", "t"))
    if again.height:
        redone = again.get_column("row").implode()
        rows = pl.concat([rows.filter(~pl.col("row").is_in(redone)), again], how="vertical_relaxed")
        issues = pl.concat([issues.filter(~pl.col("row").is_in(redone)), again_issues], how="vertical_relaxed")
    if audited.limit_note is not None:
        rows, issues = _note_limit(rows, issues, audited.shell.lang, audited.limit_note)
    return rows.sort("row"), issues.sort("row", "__seq").drop("__seq")


def _note_limit(rows: pl.DataFrame, issues: pl.DataFrame, lang: str, limit: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each short reason (``reasons.short_reasons``) with the note that the roster passes the
    explanation limit, in the detail and in the problem list, as in memory (the partitions, each
    below the limit, wrote none)."""
    plain = short_reasons(rows, lang, Explanations(want=[]), limit)
    noted = short_reasons(rows, lang, Explanations(want=[], unexplained=1), limit)
    short = rows.get_column("reason") == plain
    old = pl.DataFrame({"row": rows.get_column("row").filter(short), "__plain": plain.filter(short), "__noted": noted.filter(short)})
    issues = issues.join(old, on="row", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("message") == pl.col("__plain")).then(pl.col("__noted")).otherwise(pl.col("message")).alias("message")).drop("__plain", "__noted")
    return rows.with_columns(pl.when(short).then(noted).otherwise(pl.col("reason")).alias("reason")), issues


def _gather(folder: Path, kind: str, r: int, schema: Any) -> pl.DataFrame:
    """The spilled rows of one kind and range, read (and their files removed); none: an empty frame of ``schema``."""
    files = sorted(folder.glob(f"{kind}{r:09d}_*.parquet"))
    if not files:
        return pl.DataFrame(schema=schema)
    df = pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed")
    for f in files:
        f.unlink()
    return df.select(list(schema))


def _append(src: Path, target: Path, head: int) -> int:
    """A chunk's CSV added to the whole, less its first ``head`` bytes (the BOM and header the
    first chunk, which has no row, wrote); the first chunk's size."""
    with src.open("rb") as fh, target.open("ab") as dst:
        fh.seek(head)
        shutil.copyfileobj(fh, dst)
    size = src.stat().st_size
    src.unlink()
    return head or size
