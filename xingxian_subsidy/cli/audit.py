"""Commands ``audit`` (recompute a roster) and ``template`` (a blank roster workbook).

Thin: parse options, call ``audit.pipeline.audit`` / ``render.template.write_template``, render a short
summary, map errors to exit codes (0 all rows 一致 or no --fail-on-mismatch, 1 a row is not
一致 with --fail-on-mismatch, 2 bad input).
"""

from __future__ import annotations

import gc
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .common import Lang, LangOpt, RulesOpt, YearOpt, fail
from .variants import ReadingOpt, apply_variant

__all__ = ["Engine", "audit", "template"]


class Engine(str, Enum):
    vector = "vector"
    reference = "reference"


def audit(
    roster: Annotated[list[Path], typer.Argument(help="奖补名册：.xlsx、.csv（UTF-8 或 GBK）或 .parquet；可给多个文件或一个文件夹。The roster: files or a folder.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="审核报告：.xlsx、.csv、.json 或 .parquet（按扩展名）。Report file, by suffix.")] = None,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
    fail_on_mismatch: Annotated[bool, typer.Option("--fail-on-mismatch", help="有任何一行不是“一致”时退出码为 1。Exit 1 when any row is not 一致.")] = False,
    show_id: Annotated[bool, typer.Option("--show-id", help="报告中显示完整身份证号（默认只显示前 6 位和后 4 位）。Show full ID numbers.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="为每一行（不只问题行）给出原因。Give every row a reason.")] = False,
    explain_limit: Annotated[int, typer.Option("--explain-limit", min=0, help="最多为多少个问题行给出逐条原因（0 为不限）；为此重算的行数另有上限（docs/audit.md），超出的行给简要原因并计数。"
                                                     "Itemised reasons for at most this many problem rows (0: all); the rows recomputed for them are capped "
                                                     "too (docs/audit.md): rows past that get the short reason and are counted.")] = 1000,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="显示进度条（默认：终端时显示）。Progress bar on stderr.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="vector（默认，向量化）或 reference（逐行参考引擎）。Computation path.")] = Engine.vector,
    reading: ReadingOpt = None,
    readings_sheet: Annotated[bool, typer.Option("--readings/--no-readings", help="报告中加入“争议口径影响”（默认加入）。Add the sheet of contested readings.")] = True,
    sheet: Annotated[Optional[list[str]], typer.Option("--sheet", help="只审核这些工作表（可多次给出；默认：所有名册工作表，含隐藏的）。Sheets to audit (repeatable).")] = None,
    rule: Annotated[Optional[str], typer.Option("--rule", help="整张名册的奖补项目（规则编号或名称），名册没有“项目”列时用。The roster's subsidy, when it has no rule column.")] = None,
    subject: Annotated[Optional[str], typer.Option("--subject", help="整张名册的主体类型（如 农户）。The roster's subject type.")] = None,
    category: Annotated[Optional[str], typer.Option("--category", help="整张名册的农户类型（未填的行）。The roster's household category, for rows that give none.")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="流式核对：按申请人分区逐批审核，内存不随行数增长（只读一个 UTF-8 .csv，只写 .csv 报告）。Bounded memory, any size.")] = False,
) -> None:
    """审核奖补名册：逐行重算、标出差异与原因、跨行核查、出汇总表。Recompute a roster row by row, flag mismatches, summarise."""
    from concurrent.futures import ThreadPoolExecutor

    from ..audit.read import scan_roster
    from ..core.errors import SubsidyError

    L = lang.value
    show_progress = progress if progress is not None else sys.stderr.isatty()
    if stream:
        return _audit_stream(roster, out, L, rules, year, reading, sheet, show_progress, fail_on_mismatch,
                             dict(show_id=show_id, explain=explain, explain_limit=explain_limit or None, engine=engine.value,
                                  readings=readings_sheet, rule=rule, subject=subject, category=category))
    # the files are read (polars releases the GIL) while the engine is imported and the rule pack loaded
    with ThreadPoolExecutor(max_workers=1) as reader:
        table = reader.submit(scan_roster, roster, sheet or None)
        from ..audit.facts import Defaults
        from ..audit.pipeline import audit as run_audit
        from ..audit.read import locate_roster
        from ..audit.writers import write_report
        from ..pack.loader import load_rules

        try:
            pack = load_rules(rules)
            if reading:
                pack, _ = apply_variant(pack, lang, year=year, readings=reading)
            # What exists now (modules, the rule pack) lives as long as the process: move it out of
            # the cyclic collector's way, whose full passes otherwise rescan it while an audit
            # builds its many small objects. Reference counting still frees everything as usual.
            gc.freeze()
            scan = table.result()
            source = locate_roster(scan, pack.for_year(pack.latest_year if year is None else year))
        except SubsidyError as exc:
            fail(exc, L)
    defaults = Defaults(rule=rule, subject=subject, category=category) if (rule or subject or category) else None
    try:
        if show_progress:
            report = _with_progress(lambda tick: run_audit(source, pack, year=year, lang=L, engine=engine.value, explain=explain,
                                                        explain_limit=explain_limit or None, progress=tick, readings=readings_sheet,
                                                        defaults=defaults), L)
        else:
            report = run_audit(source, pack, year=year, lang=L, engine=engine.value, explain=explain, explain_limit=explain_limit or None,
                               readings=readings_sheet, defaults=defaults)
        inputs = [f.path for f in source.files] or list(roster)
        written = write_report(report, out, show_id=show_id, inputs=inputs) if out is not None else []
    except SubsidyError as exc:
        fail(exc, L)

    _sheet_notes(report.stamp.get("sheets", []), L)
    _skipped_notes(report.stamp, L)
    _outcome(report, written, L, report.rows.height, report.issues.height)
    if fail_on_mismatch and not report.all_match:
        raise typer.Exit(1)


def _audit_stream(roster: list[Path], out: Optional[Path], L: str, rules: Optional[Path], year: Optional[int], reading: Any, sheet: Any,
                  show_progress: bool, fail_on_mismatch: bool, options: dict) -> None:
    """``audit --stream``: one UTF-8 CSV, audited partition by partition (``audit.stream``)."""
    import signal

    from ..audit.facts import Defaults
    from ..audit.stream import audit_stream
    from ..core.errors import InputError, Problem, SubsidyError
    from ..pack.loader import load_rules

    try:
        if out is None or len(roster) != 1 or sheet:
            raise InputError([Problem(source=str(roster[0]) if roster else "--stream", message={
                "zh": "流式核对（--stream）需要一个 .csv 名册文件和 --out 报告（.csv），不支持 --sheet",
                "en": "the stream path (--stream) takes one .csv roster and --out (a .csv report), and no --sheet"})])
        pack = load_rules(rules)
        if reading:
            pack, _ = apply_variant(pack, Lang(L), year=year, readings=reading)
        d = {k: options.pop(k) for k in ("rule", "subject", "category")}
        defaults = Defaults(**d) if any(d.values()) else None
        # a `kill` ends the run through its clean-up, as Ctrl-C does: no spilled file is left behind
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        run = lambda tick: audit_stream(roster[0], out, pack, year=year, lang=L, defaults=defaults, progress=tick, **options)
        written, report, problems = _with_progress(run, L) if show_progress else run(None)
    except SubsidyError as exc:
        fail(exc, L)
    _skipped_notes(report.stamp, L)
    _outcome(report, written, L, report.stamp["rows"], problems)
    if fail_on_mismatch and any(k != "match" and n for k, n in report.status_counts.items()):
        raise typer.Exit(1)


def _outcome(report: Any, written: list[Path], L: str, rows: int, problems: int) -> None:
    """On stdout: the rows by status, the totals, the problems and the files written."""
    from ..audit.report import STATUSES, yuan_text
    from ..core.inputforms import printable

    by = report.status_counts
    parts = [f"{STATUSES[k].get(L)} {by[k]}" for k in STATUSES if by.get(k)]
    total = report.summaries["by_township"].tail(1).row(0, named=True)
    claimed, award, diff = total["claimed_fen"] or 0, total["award_fen"] or 0, total["diff_fen"] or 0
    apart, apart_claimed = total["uncompared_rows"] or 0, total["uncompared_claimed_fen"] or 0
    files = [f for f in report.stamp.get("inputs", []) if f["status"] == "read"]
    if L == "zh":
        where = f"{len(files)} 个文件" if len(files) > 1 else report.stamp["input_file"]
        print(printable(f"{where}：共 {rows} 行；") + "，".join(parts))
        line = f"申报合计 {yuan_text(claimed)} 元，核定合计 {yuan_text(award)} 元，差额 {yuan_text(diff)} 元（{rows - apart} 行两者都有）"
        if apart:
            line += f"；另有 {apart} 行未能比对（申报 {yuan_text(apart_claimed)} 元）"
        print(line + f"；问题 {problems} 条")
        for p in written:
            print(printable(f"报告已写入：{p}"))
    else:
        where = f"{len(files)} files" if len(files) > 1 else report.stamp["input_file"]
        print(printable(f"{where}: {rows} rows; ") + ", ".join(parts))
        line = (f"claimed {yuan_text(claimed)}, recomputed {yuan_text(award)}, difference {yuan_text(diff)} yuan "
                f"(the {rows - apart} rows that have both)")
        if apart:
            line += f"; {apart} rows not compared (claimed {yuan_text(apart_claimed)})"
        print(line + f"; {problems} problems")
        for p in written:
            print(printable(f"report written: {p}"))


def _skipped_notes(stamp: dict, lang: str) -> None:
    """On stderr: how many rows were set aside (titles, 合计, signatures …) and each 合计 that does
    not add up; the report's 说明 lists them all."""
    from ..core.inputforms import printable

    kinds: dict[str, int] = {}
    for k in stamp.get("skipped", []):
        if k["kind"] not in ("header", "title", "blank", "units", "numbers"):
            first, _, last = k["rows"].partition("-")
            kinds[k["kind"]] = kinds.get(k["kind"], 0) + (int(last) - int(first) + 1 if last else 1)
    if kinds:
        words = {"total": ("合计/小计", "total"), "notes": ("签字、日期或备注", "signature or notes")}
        if lang == "zh":
            parts = "、".join(f"{words[k][0]} {n} 行" for k, n in kinds.items())
            print(printable(f"注意：{parts}未作为名册行读取（合计已与所加各行核对），详见报告“说明”"), file=sys.stderr)
        else:
            parts = ", ".join(f"{n} {words[k][1]} rows" for k, n in kinds.items())
            print(printable(f"note: {parts} not read as roster rows (totals checked against their rows); the report's about sheet lists them"),
                  file=sys.stderr)
    for t in stamp.get("totals", []):
        if not t["agrees"]:
            print(printable(f"注意：第 {t['row']} 行“{t['label']}”的“{t['column']}”{t['stated']} 与所加各行之和 {t['sum_of_rows']} 不符" if lang == "zh"
                            else f"note: row {t['row']} ({t['label']}): {t['column']} {t['stated']} differs from the sum of its rows {t['sum_of_rows']}"),
                  file=sys.stderr)


def _sheet_notes(sheets: list[dict], lang: str) -> None:
    """On stderr: the hidden sheets that were read and the sheets that were not (no sheet is left
    out without a word)."""
    from ..core.inputforms import printable

    for sh in sheets:
        name = printable(sh["name"])
        if sh["status"] == "read" and sh["hidden"] and len(sheets) > 1:
            print(f"注意：隐藏的工作表“{name}”也已读取（{sh['rows']} 行）；只审核部分工作表请用 --sheet" if lang == "zh"
                  else f"note: the hidden sheet {name!r} was read too ({sh['rows']} rows); use --sheet to audit only some sheets", file=sys.stderr)
        elif sh["status"] == "not_roster":
            print(f"注意：未读取工作表“{name}”：{sh.get('note', '')}" if lang == "zh" else f"note: sheet {name!r} not read: {sh.get('note', '')}", file=sys.stderr)


def _with_progress(run, lang: str):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    labels = {"read": ("读取", "reading"), "compute": ("计算", "computing"), "explain": ("生成原因", "explaining"),
              "spill": ("分区", "partitioning"), "audit": ("分区审核", "auditing partitions"), "write": ("写出", "writing")}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                zh, en = labels.get(stage, (stage, stage))
                tasks[stage] = bar.add_task(zh if lang == "zh" else en, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return run(tick)


def template(
    rule_ids: Annotated[list[str], typer.Argument(help="规则编号（可多个），如 xzbf12.s5.courtyard_tiered。Rule ids.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="空白名册 .xlsx（已存在时不覆盖，除非 --force）。The blank workbook (.xlsx).")] = Path("blank.xlsx"),
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=1_048_575, help="设置下拉校验的行数。Rows with data validation.")] = 2000,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。Replace an existing file.")] = False,
) -> None:
    """生成空白奖补名册（表头、下拉选项、单位批注、填表说明）。Write a blank roster workbook for the chosen rules."""
    from ..core.errors import SubsidyError
    from ..pack.loader import load_rules
    from ..render.template import write_template

    try:
        pack = load_rules(rules)
        yr = pack.for_year(pack.latest_year if year is None else year)
        write_template(yr, rule_ids, out, lang=lang.value, rows=rows, replace=force)
    except SubsidyError as exc:
        fail(exc, lang.value)
    print(f"空白名册已写入：{out}" if lang is Lang.zh else f"blank roster written: {out}")
