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
    host: Annotated[str, typer.Option("--host", help="监听地址。Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。Port.")] = 8000,
    rules: RulesOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """启动本地网页（手机可用）与 JSON 接口；不记录任何填写内容。Start the local web page and JSON API."""
    import uvicorn

    from ..web import create_app

    pack = load_pack(rules, lang)
    print(f"打开 http://{host}:{port}/ （Ctrl+C 退出）" if lang is Lang.zh else f"open http://{host}:{port}/ (Ctrl+C to stop)")
    # access_log=False: no request line (and so no query string) is ever logged.
    uvicorn.run(create_app(pack), host=host, port=port, access_log=False, log_level="warning", server_header=False)


def _ask_all(q, console, L: str) -> None:
    """Run the questionnaire on the console; re-ask with the reason until each answer is valid."""
    from rich.markup import escape
    from rich.prompt import Prompt

    zh = L == "zh"
    section = None
    while (question := q.next()) is not None:
        if question.section is not None and question.section != section:
            section = question.section
            console.print(f"\n[bold]【{escape(section.get(L))}】[/bold]" if zh else f"\n[bold][{escape(section.get(L))}][/bold]")
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
                prompt += "（是/否）" if zh else " (yes/no)"
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
            error = q.answer(raw)
            if error is None:
                break
            console.print(f"[red]✗ {escape(error.get(L))}[/red]" + ("，请重新输入。" if zh else "; please try again."))


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
    from ..engine.calculate import category_label, rule_names, subject_label
    from ..engine.compute import compute
    from ..render.award import to_rich
    from ..selfservice.hints import compute_hints
    from ..selfservice.questionnaire import Questionnaire

    L = lang.value
    zh = L == "zh"
    pack, yr = year_rules(rules, year, lang)
    console = Console(highlight=False)
    title = escape(pack.title.get(L))
    console.print(f"[bold]{title}自查[/bold]：回答几个问题，看看今年能申请哪些奖补。按 Ctrl+C 退出。" if zh else
                  f"[bold]{title} self-check[/bold]: answer a few questions. Ctrl+C to quit.")
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
    console.print(to_rich(award, lang=L, subject_label=subject_label(yr, award.applicant.subject, L),
                          category_label=category_label(yr, award.applicant.category, L), rule_names=rule_names(yr, L)))
    hints = compute_hints(applicant, yr, award)
    close = [h for h in hints if h.kind != "related"]
    related = [h for h in hints if h.kind == "related"]
    if close:
        console.print("\n[bold]还差多少[/bold]" if zh else "\n[bold]How close you are[/bold]")
        for h in close:
            console.print("  · " + h.text.get(L), markup=False)
    if related:
        console.print("\n[bold]还可申请[/bold]" if zh else "\n[bold]Also open to you[/bold]")
        for h in related:
            console.print("  · " + h.text.get(L), markup=False)
    if save is not None:
        console.print(f"\n已保存申请文件：{save}（可用 xingxian-subsidy calc {save} 复算）" if zh else
                      f"\nsaved the applicant file: {save} (recompute with xingxian-subsidy calc {save})", markup=False)
