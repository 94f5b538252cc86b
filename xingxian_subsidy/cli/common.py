"""What every command shares: the options, loading the rule pack, and turning a library error
into its located messages on stderr and exit code 2."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

if TYPE_CHECKING:  # pragma: no cover
    from ..pack.loader import RulePack, YearRules

__all__ = ["Format", "Lang", "LangOpt", "RulesOpt", "YearOpt", "console", "fail", "load_pack", "year_rules"]


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


LangOpt = Annotated[Lang, typer.Option("--lang", help="输出语言 zh（默认）或 en。Language of the output.")]
RulesOpt = Annotated[Optional[Path], typer.Option("--rules", help="规则包目录（默认为内置规则包）。Rule pack directory.")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="年度（默认为规则包的最新年度）。Year (default: the pack's latest).")]


def fail(exc: Exception, lang: str) -> NoReturn:
    """Print a library error's located messages to stderr and exit 2 (bad input or rule data)."""
    from ..core.errors import OutputError, RuleDataError, SubsidyError, YearNotCovered
    from ..core.inputforms import printable

    if isinstance(exc, SubsidyError):
        if isinstance(exc, OutputError):
            title = "无法写入输出：" if lang == "zh" else "cannot write the output:"
        elif isinstance(exc, RuleDataError):
            title = "规则数据有误：" if lang == "zh" else "invalid rule data:"
        elif isinstance(exc, YearNotCovered):
            title = "年度无规则：" if lang == "zh" else "year not covered:"
        else:
            title = "输入有误：" if lang == "zh" else "invalid input:"
        print(title, file=sys.stderr)
        print(printable(exc.text(lang)), file=sys.stderr)
    else:
        print(("错误：" if lang == "zh" else "error: ") + printable(str(exc)), file=sys.stderr)
    raise typer.Exit(2)


def load_pack(rules: Path | None, lang: Lang) -> RulePack:
    """The rule pack at ``rules`` (default: the bundled one), or exit 2 with the located problems."""
    from ..core.errors import SubsidyError
    from ..pack.loader import load_rules

    try:
        return load_rules(rules)
    except SubsidyError as exc:
        fail(exc, lang.value)


def year_rules(rules: Path | None, year: int | None, lang: Lang) -> tuple[RulePack, YearRules]:
    """The pack and the rules in force in ``year`` (default: the pack's latest), or exit 2."""
    from ..core.errors import SubsidyError

    pack = load_pack(rules, lang)
    try:
        return pack, pack.for_year(pack.latest_year if year is None else year)
    except SubsidyError as exc:
        fail(exc, lang.value)


def console():
    """A rich console on stdout."""
    from rich.console import Console

    return Console()
