"""The library's front door: load an applicant file and compute its award."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .engine import compute, parse_applicant
from .errors import InputError, Problem
from .models import ApplicantFile, Award
from .rules import RulePack, YearRules, load_rules
from .yamlio import LoadFailure, load_with_lines

# One applicant's file is a few KB; anything this large is a mistake (or a roster), not an applicant.
MAX_APPLICANT_BYTES = 5_000_000

__all__ = ["read_applicant", "calculate", "calculate_file", "subject_label", "category_label", "rule_names"]


def read_applicant(path: Path | str, pack: RulePack, year: int | None = None) -> tuple[ApplicantFile, YearRules]:
    """Read and validate an applicant YAML/JSON file.

    Raises:
        InputError: unreadable file, syntax error, or invalid content — each problem with file, line and field.
        YearNotCovered: no rule covers the year.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # load_with_lines reports the unreadable file
    if size > MAX_APPLICANT_BYTES:
        raise InputError([Problem(source=str(path), message={
            "zh": f"申请文件过大（{size // 1_000_000} MB，上限 {MAX_APPLICANT_BYTES // 1_000_000} MB）：一个申请人的文件通常只有几 KB；名册请用 audit",
            "en": f"applicant file too large ({size // 1_000_000} MB, limit {MAX_APPLICANT_BYTES // 1_000_000} MB): one applicant's file is a few KB; use audit for rosters"})])
    try:
        data, lines = load_with_lines(path)
    except LoadFailure as exc:
        raise InputError([Problem(source=str(path), line=exc.line, message={"zh": f"无法读取申请文件：{_zh(exc.message)}", "en": f"cannot read the applicant file: {exc.message}"})]) from None
    return parse_applicant(data, pack, source=str(path), lines=lines, year=year)


def _zh(message: str) -> str:
    return (message.replace("cannot read file", "无法读取文件").replace("not UTF-8 or GBK text", "不是 UTF-8 或 GBK 文本")
            .replace("YAML syntax error", "YAML 语法错误").replace("JSON syntax error", "JSON 语法错误").replace("duplicate key", "重复的键"))


def calculate(data: Any, pack: RulePack | None = None, *, source: str = "<applicant>", year: int | None = None) -> Award:
    """Compute the award for applicant data already in memory (a dict as in the YAML file)."""
    pack = pack or load_rules()
    applicant, yr = parse_applicant(data, pack, source=source, year=year)
    return compute(applicant, yr, pack)


def calculate_file(path: Path | str, rules_dir: Path | str | None = None, year: int | None = None) -> tuple[Award, YearRules, RulePack]:
    """Load the rules and an applicant file, and compute the award."""
    pack = load_rules(rules_dir)
    applicant, yr = read_applicant(path, pack, year)
    return compute(applicant, yr, pack), yr, pack


def subject_label(yr: YearRules, subject: str, lang: str = "zh") -> str:
    for s in yr.vocabulary.subjects:
        if s.id == subject:
            return s.label.get(lang)
    return subject


def category_label(yr: YearRules, category: str | None, lang: str = "zh") -> str | None:
    if category is None:
        return None
    for c in yr.vocabulary.categories:
        if c.id == category:
            groups = [g for g, members in yr.vocabulary.groups.items() if category in members and g == "三类户"]
            return c.label.get(lang) + ("（三类户）" if groups and lang == "zh" else " (三类户)" if groups else "")
    return category


def rule_names(yr: YearRules, lang: str = "zh") -> dict[str, str]:
    return {rid: r.name.get(lang) for rid, r in yr.rules.items()}
