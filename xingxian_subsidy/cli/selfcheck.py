"""Self-check commands for farmers and cooperatives: ``check`` (questionnaire),
``screen`` (what a subject may apply for) and ``serve`` (the local web page).

Thin: each command parses options, calls the library (questionnaire, screening,
hints, web) and renders. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import Lang, LangOpt, RulesOpt, YearOpt, fail, load_pack, year_rules

__all__ = ["check", "screen", "serve"]


def _unknown(kind_zh: str, kind_en: str, raw: str, options: list[str], lang: str) -> None:
    if lang == "zh":
        print(f"未知{kind_zh}“{raw}”；可选：{'、'.join(options)}", file=sys.stderr)
    else:
        print(f"unknown {kind_en} {raw!r}; expected one of: {', '.join(options)}", file=sys.stderr)
    raise typer.Exit(2)


def screen(
    subject: Annotated[str, typer.Option("--subject", "-s", help="主体类型，如 农户、合作社、household。Subject type.")],
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="农户类型，如 边缘易致贫户（三类户）。Household category.")] = None,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
) -> None:
    """列出某类主体可申请的全部奖补：条件、标准、依据。List every subsidy a subject type may apply for."""
    from rich.console import Console
    from rich.table import Table

    from ..pack.semantics import resolve_category, resolve_subject
    from ..selfservice.screening import open_rules

    L = lang.value
    _pack, yr = year_rules(rules, year, lang)
    sid = resolve_subject(yr.vocabulary, subject)
    if sid is None:
        _unknown("主体类型", "subject type", subject, [s.label.zh if L == "zh" else s.id for s in yr.vocabulary.subjects], L)
    cid = None
    if category is not None:
        cid = resolve_category(yr.vocabulary, category)
        if cid is None:
            _unknown("农户类型", "household category", category, [c.label.zh if L == "zh" else c.id for c in yr.vocabulary.categories], L)
    entries = open_rules(yr, sid, cid)
    label = next(s.label.get(L) for s in yr.vocabulary.subjects if s.id == sid)
    if cid:
        label += "·" + next(c.label.get(L) for c in yr.vocabulary.categories if c.id == cid)
    zh = L == "zh"
    table = Table(
        title=(f"{label}可申请的 {yr.year} 年奖补（{len(entries)} 项）" if zh else f"{yr.year} subsidies open to: {label} ({len(entries)})"),
        show_lines=True,
    )
    table.add_column("#", justify="right")
    table.add_column("奖补项目" if zh else "subsidy", overflow="fold")
    table.add_column("条件" if zh else "conditions", overflow="fold")
    table.add_column("标准" if zh else "rate", overflow="fold")
    table.add_column("依据" if zh else "source", overflow="fold")
    for n, e in enumerate(entries, 1):
        name = e.name.get(L) + ("\n［文件未量化］" if zh and e.not_quantified else "\n[not quantified]" if e.not_quantified else "")
        conds = "\n".join("·" + c.get(L) for c in e.conditions) or "—"
        rate = e.rate.get(L).replace("；", "；\n") if zh else e.rate.get(L).replace("; ", ";\n")
        table.add_row(str(n), f"{name}\n{e.id}", conds, rate, e.citation.get(L))
    Console().print(table)


def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址；0.0.0.0 让同一网络的手机也能打开。Address to listen on (0.0.0.0: the whole network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口。Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=0, max=64, help="工作进程数；0（默认）为 CPU 核数，最多 4。Worker processes; 0 (default): the CPU count, at most 4.")] = 0,
    public_url: Annotated[Optional[str], typer.Option("--public-url", help="二维码中的地址（在反向代理之后时填写，如 https://zicha.example.gov.cn/）。The URL in the QR code, behind a proxy.")] = None,
    qr_png: Annotated[Optional[Path], typer.Option("--qr-png", help="把二维码另存为 PNG 图片，便于打印张贴。Also save the QR code as a PNG.")] = None,
    rules: RulesOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """启动网页（手机可用）与 JSON 接口，打印局域网地址和二维码；不记录任何填写内容。Start the web page and JSON API; print the LAN address and its QR code."""
    import os

    from ..web.server import ServeOptions, lan_addresses, qr_terminal, run
    from ..web.server import qr_png as write_qr_png

    zh = lang is Lang.zh
    pack = load_pack(rules, lang)  # a broken pack stops here, with its problems, before any worker starts
    if qr_png is not None and not qr_png.parent.is_dir():
        print(f"无法保存二维码：文件夹不存在：{qr_png.parent}" if zh else f"cannot save the QR code: no such folder: {qr_png.parent}", file=sys.stderr)
        raise typer.Exit(2)
    n = workers or min(os.cpu_count() or 1, 4)
    local = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}/"
    urls = [public_url] if public_url else [f"http://{a}:{port}/" for a in lan_addresses(host)]
    title = pack.title.get(lang.value)
    print(f"{title}自查网页已启动（{n} 个工作进程）。" if zh else f"{title} self-check page ({n} worker processes).")
    print(f"本机打开：{local}" if zh else f"on this computer: {local}")
    if host in ("127.0.0.1", "localhost", "::1") and not public_url:
        print("只有本机能打开；要让手机扫码打开，请加 --host 0.0.0.0" if zh else "only this computer can open it; for phones, add --host 0.0.0.0")
    else:
        for url in urls:
            print(f"手机扫码或打开：{url}" if zh else f"phones scan or open: {url}")
        print(qr_terminal(urls[0]), end="")
        if qr_png is not None:
            try:
                write_qr_png(urls[0], qr_png)
            except OSError as exc:
                print((f"无法保存二维码：{qr_png}：" if zh else f"cannot save the QR code {qr_png}: ") + (exc.strerror or type(exc).__name__), file=sys.stderr)
                raise typer.Exit(2) from None
            print(f"二维码图片已保存：{qr_png}" if zh else f"QR code saved: {qr_png}")
    print("按 Ctrl+C 退出。" if zh else "Ctrl+C to stop.", flush=True)
    run(ServeOptions(host=host, port=port, workers=n, rules=str(pack.directory)))


def _yes_no_hint(question, zh: bool) -> str:
    """（是/否）, with the answer that loses the award marked: nobody trips on 乱搭乱建…（是/否）."""
    if question.loses is None:
        return "（是/否）" if zh else " (yes/no)"
    if zh:
        return "（是/否；答“是”则这项不能领）" if question.loses else "（是/否；答“否”则这项不能领）"
    return " (yes/no; “yes” means this one is not paid)" if question.loses else " (yes/no; “no” means this one is not paid)"


def _ask_one(q, question, console, L: str) -> bool:
    """Ask one question until the answer is valid. False when the person typed 返回 (went back)."""
    from rich.markup import escape
    from rich.prompt import Prompt

    from ..selfservice.questionnaire import BACK_WORDS

    zh = L == "zh"
    prompt = question.prompt.get(L)
    if question.kind in ("choice", "multi"):
        console.print(f"\n[bold]{escape(prompt)}[/bold]")
        for i, opt in enumerate(question.options, 1):
            badge = f" [yellow]［{escape(opt.badge.get(L))}］[/yellow]" if opt.badge else ""
            note = f"\n      [dim]{escape(opt.note.get(L))}[/dim]" if opt.note else ""
            console.print(f"  {i:>2}. {escape(opt.label.get(L))}{badge}{note}")
        prompt = "编号" if zh else "number(s)"
    elif question.kind == "value":
        spec = question.spec
        assert spec is not None
        if spec.type == "boolean":
            prompt += _yes_no_hint(question, zh)
        elif spec.type == "choice":
            for i, c in enumerate(spec.choices, 1):
                console.print(f"  {i}. {escape(c.label.get(L))}")
            prompt += "（编号或名称）" if zh else " (number or name)"
        elif spec.unit:
            prompt += f"（{spec.unit}）" if zh else f" ({spec.unit})"
        if spec.help:
            console.print(f"  [dim]{escape(spec.help.get(L))}[/dim]")
        prompt += "；不清楚可直接回车" if zh else "; press Enter to skip if unsure"
    elif question.optional:
        prompt += "；可直接回车" if zh else "; Enter to skip"
    while True:
        raw = Prompt.ask(escape(prompt), console=console, default="", show_default=False)
        if raw.strip().lower() in BACK_WORDS:
            if not q.back():
                console.print("（已经是第一题）" if zh else "(this is the first question)")
                continue
            return False
        error = q.answer(raw)
        if error is None:
            return True
        console.print(f"[red]✗ {escape(error.get(L))}[/red]" + ("，请重新输入。" if zh else "; please try again."))


def _ask_all(q, console, L: str) -> None:
    """Run the questionnaire on the console: each answer checked on the spot (re-asked with the
    reason), 返回 goes back one question, and a review of every answer before computing, where a
    number re-asks that answer. The end of input on the review means: nothing to change."""
    from rich.markup import escape
    from rich.prompt import Prompt

    from ..selfservice.questionnaire import BACK_WORDS

    zh = L == "zh"
    while True:
        section = None
        while (question := q.next()) is not None:
            if question.section is not None and question.section != section:
                section = question.section
                console.print(f"\n[bold]【{escape(section.get(L))}】[/bold]" if zh else f"\n[bold][{escape(section.get(L))}][/bold]")
            if not _ask_one(q, question, console, L):
                section = None
        items = q.review()
        console.print("\n[bold]请核对您的回答[/bold]" if zh else "\n[bold]Please check your answers[/bold]")
        for i, item in enumerate(items, 1):
            where = f"［{escape(item.section.get(L))}］" if item.section else ""
            console.print(f"  {i:>2}. {where}{escape(item.prompt.get(L))}：[bold]{escape(item.answer.get(L))}[/bold]" if zh else
                          f"  {i:>2}. {where}{escape(item.prompt.get(L))}: [bold]{escape(item.answer.get(L))}[/bold]")
        prompt = "直接回车开始测算；要改哪一项就输入它的编号" if zh else "Press Enter to calculate, or type the number of an answer to change it"
        while True:
            try:
                raw = Prompt.ask(prompt, console=console, default="", show_default=False).strip()
            except EOFError:
                raw = ""
            if not raw:
                return
            if raw.lower() in BACK_WORDS and items:
                q.change(items[-1].key)
                break
            if raw.isdigit() and 1 <= int(raw) <= len(items):
                q.change(items[int(raw) - 1].key)
                break
            console.print(f"[red]✗ 请输入 1–{len(items)} 的编号，或直接回车[/red]" if zh else f"[red]✗ enter a number 1–{len(items)}, or press Enter[/red]")


def _check_save_target(save: Path, lang: str) -> None:
    """Refuse, before the questions, a --save path that cannot be written (exit 2)."""
    from ..core.errors import OutputError, Problem
    from ..core.files import output_problem

    folder = save.parent
    problem = None
    if save.suffix.lower() not in (".yaml", ".yml"):
        problem = Problem(source=str(save), message={"zh": "回答保存为 YAML：文件名应以 .yaml 结尾", "en": "the answers are saved as YAML: the name should end in .yaml"})
    elif not folder.is_dir():
        problem = output_problem(save, FileNotFoundError(2, "no such folder"))
    elif save.is_dir():
        problem = output_problem(save, IsADirectoryError(21, "is a folder"))
    elif not os.access(folder, os.W_OK) or (save.exists() and not os.access(save, os.W_OK)):
        problem = output_problem(save, PermissionError(13, "permission denied"))
    if problem is not None:
        fail(OutputError([problem]), lang)


def _save_answers(save: Path, text: str, lang: str) -> Path:
    """Save the answers at ``save``; if that fails after all, in a new file in the temporary
    folder (named on stderr), or on stdout: the answers are never lost."""
    import tempfile

    from ..core.errors import SubsidyError
    from ..core.files import write_all
    from ..core.inputforms import printable

    try:
        write_all({save: lambda tmp: tmp.write_text(text, encoding="utf-8")})
        return save
    except SubsidyError as exc:
        print(printable(exc.text(lang)), file=sys.stderr)
    try:
        fd, other = tempfile.mkstemp(prefix="xingxian-check-", suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"回答已另存为：{other}" if lang == "zh" else f"the answers were saved instead as: {other}", file=sys.stderr)
        return Path(other)
    except OSError:
        print("回答如下（请复制保存）：" if lang == "zh" else "the answers (copy them):", file=sys.stderr)
        print(text)
        raise typer.Exit(2) from None


def check(
    save: Annotated[Optional[Path], typer.Option("--save", help="把回答保存为申请文件（YAML），可用 calc 复算。Save the answers as an applicant file.")] = None,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
) -> None:
    """交互式自查：回答几个问题，看能申请哪些奖补、能得多少、还差多少。Interactive self-check questionnaire."""
    import yaml
    from rich.console import Console
    from rich.markup import escape

    from ..core.errors import SubsidyError
    from ..engine.applicant import parse_applicant
    from ..engine.calculate import category_label, subject_label
    from ..engine.compute import compute
    from ..render.award import guides_rich, to_rich
    from ..selfservice.guide import guides_for
    from ..selfservice.hints import compute_hints
    from ..selfservice.plain import plain_lines
    from ..selfservice.questionnaire import Questionnaire

    L = lang.value
    zh = L == "zh"
    pack, yr = year_rules(rules, year, lang)
    if save is not None and not save.parent.is_dir():
        # said before the questions, not after them: no answers are lost to a folder that is not there
        print(f"无法保存：文件夹不存在：{save.parent}" if zh else f"cannot save: no such folder: {save.parent}", file=sys.stderr)
        raise typer.Exit(2)
    console = Console(highlight=False)
    title = escape(pack.title.get(L))
    console.print(f"[bold]{title}自查[/bold]：回答几个问题，看看今年能申请哪些奖补。输入“返回”回到上一题，按 Ctrl+C 退出。" if zh else
                  f"[bold]{title} self-check[/bold]: answer a few questions. Type “back” for the previous question, Ctrl+C to quit.")
    if save is not None:
        _check_save_target(save, L)  # before any question: answers are never typed in vain
    q = Questionnaire(yr)
    try:
        _ask_all(q, console, L)
    except (EOFError, KeyboardInterrupt):
        print("\n输入未完成，已退出。" if zh else "\ninput ended before the questionnaire was finished.", file=sys.stderr)
        raise typer.Exit(2) from None
    data = q.applicant_data()
    if save is not None:
        header = "# 由 xingxian-subsidy check 生成；可用 `xingxian-subsidy calc` 复算。\n" if zh else "# written by xingxian-subsidy check; recompute with `xingxian-subsidy calc`.\n"
        save = _save_answers(save, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), L)
    try:
        applicant, yr = parse_applicant(data, pack, source="check")
    except SubsidyError as exc:
        fail(exc, L)
    award = compute(applicant, yr, pack)
    console.print()
    # the rules still open are listed once, below, with their rates (rule_names=None: not twice)
    console.print(to_rich(award, lang=L, subject_label=subject_label(yr, award.applicant.subject, L),
                          category_label=category_label(yr, award.applicant.category, L)))
    console.print("\n[bold]结果（白话）[/bold]" if zh else "\n[bold]In short[/bold]")
    for line, plain in zip(award.lines, plain_lines(applicant, yr, award)):
        console.print(f"  · {line.name.get(L)}：{plain.text.get(L)}" if zh else f"  · {line.name.get(L)}: {plain.text.get(L)}", markup=False)
    hints = compute_hints(applicant, yr, award)
    close = [h for h in hints if h.kind != "related"]
    related = [h for h in hints if h.kind == "related"]
    if close:
        console.print("\n[bold]还差多少[/bold]" if zh else "\n[bold]How close you are[/bold]")
        for h in close:
            console.print("  · " + h.text.get(L), markup=False)
    console.print(guides_rich(guides_for(yr, [c.rule for c in applicant.claims]), lang=L, cite=True))
    if related:
        console.print("\n[bold]还可申请（本主体类型可申请、本次未申报）[/bold]" if zh else "\n[bold]Also open to you (not claimed here)[/bold]")
        for h in related:
            console.print("  · " + h.text.get(L), markup=False)
    if save is not None:
        console.print(f"\n已保存申请文件：{save}（可用 xingxian-subsidy calc {save} 复算）" if zh else
                      f"\nsaved the applicant file: {save} (recompute with xingxian-subsidy calc {save})", markup=False)


