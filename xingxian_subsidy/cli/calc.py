"""``calc`` (one applicant's award, itemised and cited) and ``schema`` (the applicant file's JSON Schema)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .common import Lang, LangOpt, RulesOpt, YearOpt, console, fail, load_pack
from .variants import ReadingOpt, apply_readings


class CalcFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    pdf = "pdf"


def calc(
    applicant: Annotated[Path, typer.Argument(help="申请文件（YAML 或 JSON）。Applicant file (YAML or JSON).")],
    format: Annotated[CalcFormat, typer.Option("--format", "-f", help="输出格式：table、json、markdown、html（可打印签字的一页）、pdf（需 Chromium，须配 -o）。"
                                                                      "Output format (html: a page to print and sign; pdf needs Chromium and -o).")] = CalcFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写入文件（不覆盖输入）；默认输出到屏幕。Write to this file instead of the screen.")] = None,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
    reading: ReadingOpt = None,
    show_id: Annotated[bool, typer.Option("--show-id", help="打印页显示完整身份证号（默认遮挡）。Show the full ID number on the printed page.")] = False,
) -> None:
    """测算一个申请人的奖补，逐项列出条件、计算和依据。Compute one applicant's award, itemised and cited."""
    from ..core.errors import SubsidyError
    from ..engine.calculate import category_label, rule_names, subject_label
    from ..engine.readings import calculate_file_with_alternatives

    if format is CalcFormat.pdf and output is None:
        print("PDF 须用 -o 指定输出文件。" if lang is Lang.zh else "a PDF needs an output file: -o FILE.pdf", file=sys.stderr)
        raise typer.Exit(2)
    pack = load_pack(rules, lang)
    if reading:
        pack = apply_readings(pack, lang, year, reading)
    try:
        award, yr, _pack = calculate_file_with_alternatives(applicant, pack, year)
    except SubsidyError as exc:
        fail(exc, lang.value)
    if format is CalcFormat.json:
        from ..render.award import to_json

        _emit(to_json(award), output, applicant, lang)
        return
    kwargs = dict(
        lang=lang.value,
        subject_label=subject_label(yr, award.applicant.subject, lang.value),
        category_label=category_label(yr, award.applicant.category, lang.value),
        rule_names=rule_names(yr, lang.value),
    )
    if format is CalcFormat.markdown:
        from ..render.award import to_markdown

        _emit(to_markdown(award, **kwargs), output, applicant, lang)
        return
    if format in (CalcFormat.html, CalcFormat.pdf):
        from ..render.award import to_html

        page = to_html(award, **kwargs, show_id=show_id)
        if format is CalcFormat.html:
            _emit(page, output, applicant, lang)
            return
        from ..core.files import write_all
        from ..render.pdf import html_to_pdf

        assert output is not None
        try:
            write_all({output: lambda tmp: html_to_pdf(page, tmp)}, [applicant])
        except SubsidyError as exc:
            fail(exc, lang.value)
        return
    from ..render.award import to_rich

    if output is not None:
        print("表格输出只显示在屏幕上；写入文件请用 -f markdown、json、html 或 pdf。" if lang is Lang.zh
              else "the table is for the screen; to write a file use -f markdown, json, html or pdf", file=sys.stderr)
        raise typer.Exit(2)
    console().print(to_rich(award, **kwargs))


def _emit(text: str, output: Path | None, applicant: Path, lang: Lang) -> None:
    """Text to the screen, or to ``output`` written atomically (never over the applicant file)."""
    if output is None:
        sys.stdout.write(text)
        return
    from ..core.errors import SubsidyError
    from ..core.files import write_all

    try:
        write_all({output: lambda tmp: tmp.write_text(text, encoding="utf-8")}, [applicant])
    except SubsidyError as exc:
        fail(exc, lang.value)


def schema() -> None:
    """输出申请文件的 JSON Schema。Print the JSON Schema of the applicant file."""
    from ..engine.models import ApplicantFile

    print(json.dumps(ApplicantFile.model_json_schema(), ensure_ascii=False, indent=2))
