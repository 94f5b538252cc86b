"""``rules diff A B`` (what changed between two packs, years, overlays or readings) and ``simulate``
(what a variant of the rules would cost on a roster)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .common import Format, Lang, LangOpt, RulesOpt, YearOpt, console, fail, load_pack

if TYPE_CHECKING:  # pragma: no cover
    from ..pack.loader import RulePack, YearRules

__all__ = ["ReadingOpt", "SetOpt", "apply_readings", "apply_variant", "resolve", "rules_diff", "simulate"]

SetOpt = Annotated[Optional[list[str]], typer.Option("--set", help="测算用的参数值，如 xzbf12.tier1_award=350（可多次）。A hypothetical value DOC.PARAM=VALUE (repeatable).")]
ReadingOpt = Annotated[Optional[list[str]], typer.Option("--reading", help="按解释登记册中的另一种理解计算，如 I-004=B（可多次）。Compute under an alternative reading ENTRY=ALT (repeatable).")]


def apply_variant(pack: RulePack, lang: Lang, *, year: int | None = None, overlay: Path | None = None,
                  sets: list[str] | None = None, readings: list[str] | None = None) -> tuple[RulePack, YearRules]:
    """The pack with an overlay, --set values and --reading alternatives applied (or exit 2 with the problems)."""
    from ..core.errors import SubsidyError
    from ..pack.loader import variant
    from ..pack.overlay import parse_reading, parse_set

    try:
        if overlay is None and not sets and not readings:
            return pack, pack.for_year(pack.latest_year if year is None else year)
        return variant(pack, year=year, overlay=overlay, sets=[parse_set(s) for s in sets or []],
                       readings=[parse_reading(r) for r in readings or []])
    except SubsidyError as exc:
        fail(exc, lang.value)


def apply_readings(pack: RulePack, lang: Lang, year: int | None, readings: list[str]) -> RulePack:
    """The pack under ``--reading`` alternatives (``loader.with_readings``: in ``year`` when given,
    else in every year that holds them), or exit 2 with the problem."""
    from ..core.errors import SubsidyError
    from ..pack.loader import with_readings
    from ..pack.overlay import parse_reading

    try:
        return with_readings(pack, [parse_reading(r) for r in readings], year)
    except SubsidyError as exc:
        fail(exc, lang.value)


def resolve(spec: str, rules: Path | None, year: int | None, lang: Lang) -> tuple[str, YearRules]:
    """One side of ``rules diff``: a year (2024), a pack folder (path or path@2024), an overlay file
    (on the --rules pack) or a reading (I-004=B, on the --rules pack)."""
    at = re.fullmatch(r"(.+)@(\d{4})", spec)
    path_text, spec_year = (at.group(1), int(at.group(2))) if at else (spec, None)
    path = Path(path_text)
    if re.fullmatch(r"\d{4}", spec):
        pack, yr = apply_variant(load_pack(rules, lang), lang, year=int(spec))
        return f"{pack.label} {yr.year}", yr
    if re.fullmatch(r"I-\d{3}=[A-Z]", spec):
        pack, yr = apply_variant(load_pack(rules, lang), lang, year=year, readings=[spec])
        return f"{pack.label} {yr.year}", yr
    if path.is_dir():
        pack, yr = apply_variant(load_pack(path, lang), lang, year=spec_year or year)
        return f"{pack.label} {yr.year}", yr
    if path.is_file():
        pack, yr = apply_variant(load_pack(rules, lang), lang, year=year, overlay=path)
        return f"{pack.label} {yr.year}", yr
    print((f"无法识别“{spec}”：应为年度（2024）、规则包目录（可加 @年度）、变体文件或读法（I-004=B）" if lang is Lang.zh else
           f"cannot tell what {spec!r} is: expected a year (2024), a pack folder (optionally @year), an overlay file or a reading (I-004=B)"),
          file=sys.stderr)
    raise typer.Exit(2)


def rules_diff(
    a: Annotated[str, typer.Argument(help="A：年度、规则包目录（可加 @年度）、变体文件或读法（I-004=B）。A year, pack, overlay or reading.")],
    b: Annotated[str, typer.Argument(help="B：同上。The same, for B.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table、markdown、json。Output format.")] = Format.table,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
) -> None:
    """比较两套规则：参数、规则、条件、解释和引文的每处差异，左右对照。Every difference between two sets of rules, side by side."""
    from ..pack.diff import diff_years

    label_a, ya = resolve(a, rules, year, lang)
    label_b, yb = resolve(b, rules, year, lang)
    entries = diff_years(ya, yb)
    if format is Format.json:
        from ..render.diff import diff_json

        sys.stdout.write(diff_json(entries, label_a, label_b))
    elif format is Format.markdown:
        from ..render.diff import diff_markdown

        sys.stdout.write(diff_markdown(entries, label_a, label_b, lang.value))
    else:
        from ..render.diff import diff_rich

        console().print(diff_rich(entries, label_a, label_b, lang.value))


def simulate(
    roster: Annotated[Path, typer.Argument(help="奖补名册：.xlsx、.csv 或 .parquet。The roster.")],
    variant_file: Annotated[Optional[Path], typer.Option("--variant", help="变体文件（YAML，见 docs/variants.md）。An overlay file.")] = None,
    sets: SetOpt = None,
    readings: ReadingOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="测算报告：.xlsx（含图表）或 .json。Report file, by suffix.")] = None,
    chart: Annotated[Optional[Path], typer.Option("--chart", help="PNG 图：变化按乡镇和奖补项目。A PNG chart of the change.")] = None,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
    show_id: Annotated[bool, typer.Option("--show-id", help="报告中显示完整身份证号。Show full ID numbers.")] = False,
    full: Annotated[bool, typer.Option("--full", help="按变体重算每一行（默认只重算变体可能影响的行，结果相同）。Recompute every row under the variant.")] = False,
) -> None:
    """测算规则变化的影响：按基准和变体分别重算名册，给出总变化及按乡镇、村、项目、档次的变化。What a change of the rules would cost on a roster, exact to the fen."""
    from ..audit.read import read_roster
    from ..audit.simulate import simulate as run
    from ..core.errors import SubsidyError

    L = lang.value
    if variant_file is None and not sets and not readings:
        print("请用 --variant、--set 或 --reading 给出变体" if L == "zh" else "give a variant: --variant, --set or --reading", file=sys.stderr)
        raise typer.Exit(2)
    pack = load_pack(rules, lang)
    vpack, vyr = apply_variant(pack, lang, year=year, overlay=variant_file, sets=sets, readings=readings)
    base_year = year if year is not None else (vyr.year if vyr.year in pack.years else pack.latest_year)
    if variant_file is not None and vyr.year not in pack.years:  # a new year's overlay: its base is the year it builds on
        from ..pack.overlay import read_overlay

        try:
            base_year = year if year is not None else (read_overlay(variant_file).overlay.overlay.base_year or pack.latest_year)
        except SubsidyError as exc:
            fail(exc, L)
    try:
        base = pack.for_year(base_year)
        sim = run(read_roster(roster), pack, base, vyr, vpack, lang=L, full=full)
        inputs = [roster] + ([variant_file] if variant_file else [])
        written = []
        if out is not None:
            from ..render.simulation import write_simulation

            written.append(write_simulation(sim, out, lang=L, show_id=show_id, inputs=inputs))
        if chart is not None:
            from ..render.simulation import write_chart

            if not write_chart(sim, chart, lang=L, inputs=inputs):
                print("未找到中文字体，图中汉字可能显示为方框（可安装 fonts-noto-cjk 或 fonts-wqy-microhei）" if L == "zh" else
                      "no font with Chinese found: Chinese names in the chart may show as boxes (install fonts-noto-cjk or fonts-wqy-microhei)", file=sys.stderr)
            written.append(chart)
    except SubsidyError as exc:
        fail(exc, L)
    except OSError as exc:
        print(("无法写入：" if L == "zh" else "cannot write: ") + f"{exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    from ..render.simulation import simulation_rich

    console().print(simulation_rich(sim, L))
    for p in written:
        print(f"报告已写入：{p}" if L == "zh" else f"written: {p}")
