"""The command line: parse, call one library function, render, map errors to exit code 2.

Heavy imports (rich tables, the engine, polars) happen inside commands so that
start-up stays lean.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from . import __version__

app = typer.Typer(
    name="xingxian-subsidy",
    help="兴县 2024 年乡村振兴奖补测算、解释与审核工具。Compute, explain and audit Xing County's 2024 rural subsidies.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="查看与校验规则数据。List, show and validate the rule data.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


LangOpt = Annotated[Lang, typer.Option("--lang", help="输出语言 zh（默认）或 en。Language of the output.")]
RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help="规则包目录（默认为内置规则包）。Rule pack directory.")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="测算年度（覆盖文件中的 year）。Year to compute (overrides the file).")]


def fail(exc: Exception, lang: str) -> NoReturn:
    """Print a library error's located messages to stderr and exit 2 (bad input or rule data)."""
    from .errors import SubsidyError

    from .errors import RuleDataError, YearNotCovered

    if isinstance(exc, SubsidyError):
        if isinstance(exc, RuleDataError):
            title = "规则数据有误：" if lang == "zh" else "invalid rule data:"
        elif isinstance(exc, YearNotCovered):
            title = "年度无规则：" if lang == "zh" else "year not covered:"
        else:
            title = "输入有误：" if lang == "zh" else "invalid input:"
        print(title, file=sys.stderr)
        print(exc.text(lang), file=sys.stderr)
    else:
        print(("错误：" if lang == "zh" else "error: ") + str(exc), file=sys.stderr)
    raise typer.Exit(2)


def load_pack(rules: Path | None, lang: Lang):
    """The rule pack at ``rules`` (default: the bundled one), or exit 2 with the located problems."""
    from .errors import SubsidyError
    from .rules import load_rules

    try:
        return load_rules(rules)
    except SubsidyError as exc:
        fail(exc, lang.value)


def _year_rules(rules: Path | None, year: int, lang: Lang):
    """The rules in force in ``year`` from the pack at ``rules``, or exit 2 with the located problems."""
    from .errors import SubsidyError

    try:
        return load_pack(rules, lang).for_year(year)
    except SubsidyError as exc:
        fail(exc, lang.value)


def _console():
    from rich.console import Console

    return Console()


def _version(value: bool) -> None:
    if value:
        print(f"xingxian-subsidy {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本。Show the version.")] = False,
) -> None:
    """兴县 2024 年乡村振兴奖补测算、解释与审核工具。"""


@app.command()
def calc(
    applicant: Annotated[Path, typer.Argument(help="申请文件（YAML 或 JSON）。Applicant file (YAML or JSON).")],
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table、json、markdown。Output format.")] = Format.table,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
) -> None:
    """测算一个申请人的奖补，逐项列出条件、计算和依据。Compute one applicant's award, itemised and cited."""
    from .api import calculate_file, category_label, rule_names, subject_label
    from .errors import SubsidyError

    try:
        award, yr, _pack = calculate_file(applicant, rules, year)
    except SubsidyError as exc:
        fail(exc, lang.value)
    if format is Format.json:
        from .explain import to_json

        sys.stdout.write(to_json(award))
        return
    kwargs = dict(
        lang=lang.value,
        subject_label=subject_label(yr, award.applicant.subject, lang.value),
        category_label=category_label(yr, award.applicant.category, lang.value),
        rule_names=rule_names(yr, lang.value),
    )
    if format is Format.markdown:
        from .explain import to_markdown

        sys.stdout.write(to_markdown(award, **kwargs))
        return
    from .explain import to_rich

    _console().print(to_rich(award, **kwargs))


@rules_app.command("list")
def rules_list(
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: Annotated[int, typer.Option("--year", help="年度。Year.")] = 2024,
    markdown: Annotated[bool, typer.Option("--markdown", help="输出 Markdown 表格（docs/rules.md 由此生成）。Print a Markdown table.")] = False,
) -> None:
    """列出某年度的全部奖补规则。List every rule in force in a year."""
    yr = _year_rules(rules, year, lang)
    zh = lang is Lang.zh
    if markdown:
        print(rules_markdown(yr, lang.value), end="")
        return
    from rich.table import Table

    table = Table(title=f"{year} 年奖补规则（{len(yr.rules)} 条）" if zh else f"Rules in force in {year} ({len(yr.rules)})")
    table.add_column("编号" if zh else "id", no_wrap=True)
    table.add_column("名称" if zh else "name")
    table.add_column("文件与条款" if zh else "document and section")
    table.add_column("计算方式" if zh else "formula")
    for rid, r in yr.rules.items():
        assert r.document is not None
        table.add_row(rid, r.name.get(lang.value), f"{r.document.number} {r.section}", _formula_label(r.formula.kind, lang.value))
    _console().print(table)


def rules_markdown(yr, lang: str) -> str:
    """The rule list as Markdown: id, name, document and section, formula, gazette page."""
    zh = lang == "zh"
    head = "| 编号 | 名称 | 文件与条款 | 公报页 | 计算方式 |" if zh else "| id | name | document and section | gazette page | formula |"
    rows = [f"# {yr.year} 年奖补规则（{len(yr.rules)} 条）" if zh else f"# Rules in force in {yr.year} ({len(yr.rules)})", "",
            "由 `xingxian-subsidy rules list --markdown` 生成，请勿手改。" if zh else "Generated by `xingxian-subsidy rules list --markdown --lang en`.", "",
            head, "|---|---|---|---|---|"]
    for rid, r in yr.rules.items():
        rows.append(f"| `{rid}` | {r.name.get(lang)} | {r.document.number} {r.section} | {r.document.gazette_page} | {_formula_label(r.formula.kind, lang)} |")
    return "\n".join(rows) + "\n"


FORMULA_LABELS = {
    "per_unit": ("按数量×标准", "rate × quantity"),
    "fixed": ("定额", "fixed amount"),
    "share_of_cost": ("按成本比例", "share of cost"),
    "tier_table": ("阶梯表", "tier table"),
    "first_plus_additional": ("首个+每增加", "first + each additional"),
    "decided_within_range": ("区间内确定", "decided within a range"),
    "interest_at_rate": ("按基准利率贴息", "interest at benchmark rate"),
    "not_quantified": ("文件未量化", "not quantified"),
}


def _formula_label(kind: str, lang: str) -> str:
    zh, en = FORMULA_LABELS[kind]
    return zh if lang == "zh" else en


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="规则编号，如 xzbf12.s5.courtyard_tiered。Rule id.")],
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: Annotated[int, typer.Option("--year", help="年度。Year.")] = 2024,
) -> None:
    """显示一条规则的完整依据、原文、参数、输入和条件。Show a rule's citation, quote, parameters, inputs and conditions."""
    from .rules import param_refs

    yr = _year_rules(rules, year, lang)
    rule = yr.rules.get(rule_id)
    if rule is None:
        import difflib

        hint = difflib.get_close_matches(rule_id, list(yr.rules), n=1)
        msg = f"未知规则编号“{rule_id}”" + (f"，是否应为“{hint[0]}”？" if hint else "") if lang is Lang.zh else f"unknown rule {rule_id!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        print(msg, file=sys.stderr)
        raise typer.Exit(2)
    L = lang.value
    doc = rule.document
    assert doc is not None
    out = [
        f"{rule.id}  {rule.name.get(L)}",
        f"{'文件' if L == 'zh' else 'Document'}: {doc.number} 《{doc.title}》 {doc.issuer} {doc.date}",
        f"{'条款' if L == 'zh' else 'Section'}: {rule.section}",
        f"{'公报' if L == 'zh' else 'Gazette'}: {doc.gazette} {'第' if L == 'zh' else 'p. '}{doc.gazette_page}{'页（文件起始页）' if L == 'zh' else ' (first page of the document)'}",
        f"{'原文' if L == 'zh' else 'Quote'}: “{rule.quote}”",
        f"{'有效期' if L == 'zh' else 'In force'}: [{doc.effective.start}, {doc.effective.end})",
        f"{'主体' if L == 'zh' else 'Subjects'}: {', '.join(rule.subjects)}",
        f"{'计算方式' if L == 'zh' else 'Formula'}: {_formula_label(rule.formula.kind, L)}",
    ]
    params = dict.fromkeys(param_refs(rule))
    if params:
        out.append("参数：" if L == "zh" else "Parameters:")
        for name in params:
            p = yr.param(rule, name)
            out.append(f"  {name} = {p.value} {p.unit}  {p.label.get(L)} — {p.section}“{p.quote}”")
    if rule.inputs:
        out.append("输入：" if L == "zh" else "Inputs:")
        for s in rule.inputs:
            extra = f" [{s.unit}]" if s.unit else (" [" + "/".join(c.value for c in s.choices) + "]" if s.choices else " [是/否]")
            out.append(f"  {s.name}{extra}  {s.label.get(L)}")
    if rule.conditions:
        out.append("条件：" if L == "zh" else "Conditions:")
        for c in rule.conditions:
            out.append(f"  {c.id}: {c.label.get(L)} — {c.section}“{c.quote}”")
            for sub in c.any_of or []:
                out.append(f"    或 {sub.id}: {sub.label.get(L)}" if L == "zh" else f"    or {sub.id}: {sub.label.get(L)}")
    interps = rule.interpretations
    if interps:
        out.append("采用解释：" if L == "zh" else "Interpretations:")
        for i in interps:
            entry = yr.interpretations[i]
            out.append(f"  {i} {entry.title.get(L)}: {entry.reading.get(L)}")
    print("\n".join(out))


@rules_app.command("validate")
def rules_validate(
    directory: Annotated[Optional[Path], typer.Argument(help="规则包目录（默认内置）。Rule pack directory.")] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="政策原文目录：核对每条引文逐字出现在原文中。Policy texts: check every quote is verbatim.")] = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """校验规则包：结构、引用、单位、边界用语；可核对引文。Validate a rule pack (and, with --sources, its quotes)."""
    from .selfcheck import check_quotes

    pack = load_pack(directory, lang)
    problems = check_quotes(pack, sources) if sources else []
    if problems:
        for p in problems:
            print(p.text(lang.value), file=sys.stderr)
        raise typer.Exit(2)
    n = sum(len(y.rules) for y in pack.years.values())
    print(f"规则包有效：{pack.label}，{n} 条规则" if lang is Lang.zh else f"rule pack valid: {pack.label}, {n} rules")


@rules_app.command("interpretations")
def rules_interpretations(
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: Annotated[int, typer.Option("--year", help="年度。Year.")] = 2024,
) -> None:
    """显示解释登记册：每个有争议的解读、所取读法及理由。Print the interpretations register."""
    yr = _year_rules(rules, year, lang)
    L = lang.value
    users: dict[str, list[str]] = {}
    from .rules import _interp_refs

    for rid, r in yr.rules.items():
        for i in _interp_refs(r):
            users.setdefault(i, [])
            if rid not in users[i]:
                users[i].append(rid)
    labels = ("问题", "读法", "理由", "适用规则") if L == "zh" else ("Question", "Reading", "Reason", "Used by")
    for entry in yr.interpretations.values():
        print(f"{entry.id} {entry.title.get(L)}  [{entry.document} {entry.section}]")
        print(f"  {labels[0]}: {entry.question.get(L)}")
        print(f"  {labels[1]}: {entry.reading.get(L)}")
        print(f"  {labels[2]}: {entry.reason.get(L)}")
        print(f"  {labels[3]}: {', '.join(users.get(entry.id, [])) or '—'}")
        print()


@app.command()
def schema(
    lang: LangOpt = Lang.zh,
) -> None:
    """输出申请文件的 JSON Schema。Print the JSON Schema of the applicant file."""
    from .models import ApplicantFile

    print(json.dumps(ApplicantFile.model_json_schema(), ensure_ascii=False, indent=2))


def run() -> None:
    """Entry point: never a traceback for a user's mistake."""
    app()


if __name__ == "__main__":  # pragma: no cover
    # Run the package's module, not this copy (__main__): the other command modules register on its app.
    from xingxian_subsidy.cli import run as _run

    _run()


# Commands that live in their own modules register themselves on ``app`` when imported.
from . import cli_audit as _cli_audit  # noqa: E402,F401
from . import cli_check as _cli_check  # noqa: E402,F401
