"""``calc`` (one applicant's award, itemised and cited) and ``schema`` (the applicant file's JSON Schema)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import Format, Lang, LangOpt, RulesOpt, YearOpt, console, fail


def calc(
    applicant: Annotated[Path, typer.Argument(help="申请文件（YAML 或 JSON）。Applicant file (YAML or JSON).")],
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式：table、json、markdown。Output format.")] = Format.table,
    lang: LangOpt = Lang.zh,
    rules: RulesOpt = None,
    year: YearOpt = None,
) -> None:
    """测算一个申请人的奖补，逐项列出条件、计算和依据。Compute one applicant's award, itemised and cited."""
    from ..core.errors import SubsidyError
    from ..engine.calculate import calculate_file, category_label, rule_names, subject_label

    try:
        award, yr, _pack = calculate_file(applicant, rules, year)
    except SubsidyError as exc:
        fail(exc, lang.value)
    if format is Format.json:
        from ..render.award import to_json

        sys.stdout.write(to_json(award))
        return
    kwargs = dict(
        lang=lang.value,
        subject_label=subject_label(yr, award.applicant.subject, lang.value),
        category_label=category_label(yr, award.applicant.category, lang.value),
        rule_names=rule_names(yr, lang.value),
    )
    if format is Format.markdown:
        from ..render.award import to_markdown

        sys.stdout.write(to_markdown(award, **kwargs))
        return
    from ..render.award import to_rich

    console().print(to_rich(award, **kwargs))


def schema() -> None:
    """输出申请文件的 JSON Schema。Print the JSON Schema of the applicant file."""
    from ..engine.models import ApplicantFile

    print(json.dumps(ApplicantFile.model_json_schema(), ensure_ascii=False, indent=2))
