"""A blank roster workbook for chosen rules: the right headers, dropdowns, units, instructions.

The headers are exactly what ``audit.columns.map_columns`` reads back: the fixed columns, then
each chosen rule's inputs by their zh label (a label shared by several rules is one column).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from ..audit.columns import FIXED_COLUMNS
from ..core.errors import InputError, OutputError, Problem
from ..core.files import write_all
from ..pack.loader import YearRules
from ..pack.models import InputSpec

__all__ = ["MAX_TEMPLATE_ROWS", "template_columns", "write_template"]


def template_columns(yr: YearRules, rule_ids: list[str], lang: str = "zh") -> list[tuple[str, str, InputSpec | None, list[str]]]:
    """(header, field or input name, input spec or None, rule ids using it) in sheet order.

    Raises:
        InputError: an unknown rule id (with a suggestion).
    """
    problems = []
    for rid in rule_ids:
        if rid not in yr.rules:
            hint = difflib.get_close_matches(rid, list(yr.rules), n=1)
            problems.append(Problem(source="template", field=rid, message={
                "zh": f"未知规则编号“{rid}”" + (f"，是否应为“{hint[0]}”？" if hint else "；用 `xingxian-subsidy rules list` 查看"),
                "en": f"unknown rule {rid!r}" + (f"; did you mean {hint[0]!r}?" if hint else "; see `xingxian-subsidy rules list`")}))
    if problems:
        raise InputError(problems)
    cols: list[tuple[str, str, InputSpec | None, list[str]]] = []
    for fieldname, names in FIXED_COLUMNS.items():
        cols.append((names[0] if lang == "zh" else names[1], fieldname, None, []))
    seen: dict[str, int] = {}
    for rid in rule_ids:
        for spec in yr.rules[rid].inputs:
            header = spec.label.zh if lang == "zh" else spec.name
            if header in seen:
                cols[seen[header]][3].append(rid)
                continue
            seen[header] = len(cols)
            cols.append((header, spec.name, spec, [rid]))
    return cols


# the rows a sheet has, less the header (the spreadsheet's own limit)
MAX_TEMPLATE_ROWS = 1_048_575


def write_template(yr: YearRules, rule_ids: list[str], out: Path | str, *, lang: str = "zh", rows: int = 2000, replace: bool = False) -> None:
    """Write the blank workbook (sheets 名册, 填表说明, and a hidden 选项 sheet for the dropdown lists).

    Written to a temporary file renamed into place; an existing file (perhaps a roster already
    filled in) is not replaced unless ``replace``.

    Raises:
        InputError: an unknown rule id, a file type other than .xlsx, or ``rows`` out of range.
        OutputError: the file exists (and not ``replace``) or cannot be written.
    """
    out = Path(out)
    problems = []
    if out.suffix.lower() != ".xlsx":
        problems.append(Problem(source=str(out), message={
            "zh": f"空白名册只能写成 .xlsx（得到“{out.suffix or '无扩展名'}”）", "en": f"the blank roster is written as .xlsx only (got {out.suffix or 'no suffix'!r})"}))
    if not 1 <= rows <= MAX_TEMPLATE_ROWS:
        problems.append(Problem(source="template", field="--rows", message={
            "zh": f"行数应在 1 到 {MAX_TEMPLATE_ROWS} 之间（得到 {rows}）", "en": f"rows must be between 1 and {MAX_TEMPLATE_ROWS} (got {rows})"}))
    if problems:
        raise InputError(problems)
    cols = template_columns(yr, rule_ids, lang)
    if out.exists() and not replace:
        raise OutputError([Problem(source=str(out), message={
            "zh": "文件已存在（可能是已填写的名册）：请换一个文件名，或加 --force 覆盖",
            "en": "the file exists (perhaps a roster already filled in): choose another name, or add --force to replace it"})])
    write_all({out: lambda tmp: _write_workbook(yr, rule_ids, cols, tmp, lang, rows)})


def _write_workbook(yr: YearRules, rule_ids: list[str], cols: list[tuple[str, str, InputSpec | None, list[str]]], out: Path, lang: str,
                    rows: int) -> None:
    import xlsxwriter

    zh = lang == "zh"
    wb = xlsxwriter.Workbook(str(out))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    text_fmt = wb.add_format({"num_format": "@"})
    ws = wb.add_worksheet("名册" if zh else "roster")
    opts = wb.add_worksheet("选项" if zh else "options")
    guide = wb.add_worksheet("填表说明" if zh else "instructions")
    ws.activate()
    ws.freeze_panes(1, 0)
    ws.set_row(0, 36)
    lists: list[list[str]] = []

    def add_list(values: list[str]) -> str:
        j = len(lists)
        lists.append(values)
        for i, v in enumerate(values):
            opts.write_string(i, j, v)
        letter = xlsxwriter.utility.xl_col_to_name(j)
        return f"='{opts.get_name()}'!${letter}$1:${letter}${len(values)}"

    subjects = {s for rid in rule_ids for s in yr.rules[rid].subjects}
    subj_labels = [s.label.zh if zh else s.label.en for s in yr.vocabulary.subjects if s.id in subjects]
    cat_labels = [c.label.zh if zh else c.label.en for c in yr.vocabulary.categories]
    rule_labels = [yr.rules[rid].name.zh if zh else rid for rid in rule_ids]
    for j, (header, name, spec, used_by) in enumerate(cols):
        ws.write_string(0, j, header, head)
        ws.set_column(j, j, max(12, min(30, len(header) * 2 if zh else len(header))))
        note = ""
        source = None
        if spec is None:
            notes = {
                "township": ("乡（镇）名称", "township"),
                "village": ("行政村名称", "administrative village"),
                "name": ("户主姓名或主体名称（必填）", "name of the household head or entity (required)"),
                "id_number": ("18 位身份证号（文本格式，末位可为 X）；作为同一户的识别依据", "18-character citizen ID (text); identifies the household"),
                "subject": ("申请主体类型（必填，下拉选择）", "subject type (required, from the list)"),
                "category": ("农户类型（农户必填，下拉选择；按农户类型区分的条件和标准据此判断）", "household category (required for a household, from the list; conditions and rates by category use it)"),
                "rule": ("奖补项目（必填，下拉选择；也可填规则编号）", "the subsidy (required; a rule id also works)"),
                "project": ("同一项目的多行填相同标签（用于“同一项目择高”“单个项目上限”）", "same label on rows of one project"),
                "claimed": ("本行拟发放/申报金额，单位：元，最多两位小数（必填）", "amount claimed, yuan, at most 2 decimals (required)"),
            }[name]
            note = notes[0] if zh else notes[1]
            if name == "subject":
                source = add_list(subj_labels)
            elif name == "category":
                source = add_list(cat_labels)
            elif name == "rule":
                source = add_list(rule_labels)
            if name in ("id_number", "claimed"):
                ws.set_column(j, j, 20, text_fmt)
        else:
            users = "、".join(yr.rules[r].name.zh for r in used_by) if zh else ", ".join(used_by)
            if spec.type in ("decimal", "integer", "money"):
                kind = {"decimal": ("数值", "number"), "integer": ("整数", "whole number"), "money": ("金额，最多两位小数", "amount, at most 2 decimals")}[spec.type]
                note = (f"单位：{spec.unit}（{kind[0]}）" if zh else f"unit: {spec.unit} ({kind[1]})")
                ws.set_column(j, j, 16, text_fmt)
            elif spec.type == "boolean":
                note = "填“是”或“否”" if zh else "yes or no (是/否)"
                source = add_list(["是", "否"])
            else:
                values = [c.value for c in spec.choices]
                note = ("可选：" + "、".join(values)) if zh else ("one of: " + ", ".join(values))
                source = add_list(values)
            if spec.help:
                note += "。" + spec.help.zh if zh else ". " + spec.help.en
            note += (f"\n用于：{users}" if zh else f"\nused by: {users}")
        ws.write_comment(0, j, note, {"x_scale": 2, "y_scale": 1.5})
        if source:
            ws.data_validation(1, j, rows, j, {"validate": "list", "source": source, "error_title": "输入有误" if zh else "input error",
                                               "error_message": "请从下拉列表中选择" if zh else "choose from the list"})
        elif spec is not None and spec.type in ("decimal", "integer", "money"):
            ws.data_validation(1, j, rows, j, {"validate": "custom", "value": f"=ISNUMBER(--{xlsxwriter.utility.xl_rowcol_to_cell(1, j, row_abs=False)})",
                                               "error_type": "warning", "error_message": "应为不小于 0 的数" if zh else "expected a number ≥ 0"})
    opts.hide()

    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 110)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True, "valign": "top"})
    r = 0
    general = [
        ("用途" if zh else "purpose", "奖补名册：每行为一户（或一个主体）的一个奖补项目；审核时运行 xingxian-subsidy audit 名册.xlsx --out 报告.xlsx。" if zh
         else "A roster: one row per applicant and subsidy; audit it with `xingxian-subsidy audit roster.xlsx --out report.xlsx`."),
        ("同一户" if zh else "same household", "同一户以身份证号识别（未填时以姓名+村识别）；每户累计上限、每户限一次等跨行核查据此进行。" if zh
         else "Rows of one household share the ID number (else name + village): cross-row caps and once-per-household limits use it."),
        ("空白" if zh else "blanks", "不适用或不知道的格子留空（不要填 0）：留空表示“未提供”，审核结果为“信息不全”。" if zh
         else "Leave cells that do not apply blank (not 0): blank means not given, reported as information missing."),
        ("金额" if zh else "amounts", "金额以元为单位，最多两位小数；数量按表头批注中的单位填写。" if zh else "Amounts in yuan, at most two decimals; quantities in the unit of the header note."),
    ]
    for k, v in general:
        guide.write_string(r, 0, k, bold)
        guide.write_string(r, 1, v, wrap)
        r += 1
    r += 1
    for rid in rule_ids:
        rule = yr.rules[rid]
        doc = rule.document
        assert doc is not None
        guide.write_string(r, 0, rid, bold)
        guide.write_string(r, 1, f"{rule.name.get(lang)} — {doc.number or ''}《{doc.title}》{rule.section}", bold)
        r += 1
        guide.write_string(r, 1, f"“{rule.quote}”", wrap)
        r += 1
        subj = "、".join(s.label.zh for s in yr.vocabulary.subjects if s.id in rule.subjects) if zh else ", ".join(rule.subjects)
        guide.write_string(r, 0, "申请主体" if zh else "subjects")
        guide.write_string(r, 1, subj, wrap)
        r += 1
        for spec in rule.inputs:
            kind = spec.unit or ("是/否" if spec.type == "boolean" else "/".join(c.value for c in spec.choices))
            text = f"{spec.label.zh}（{kind}）" if zh else f"{spec.label.en} ({kind})"
            if spec.help:
                text += "：" + spec.help.zh if zh else ": " + spec.help.en
            guide.write_string(r, 0, spec.name)
            guide.write_string(r, 1, text, wrap)
            r += 1
        for c in rule.conditions:
            guide.write_string(r, 0, "条件" if zh else "condition")
            guide.write_string(r, 1, f"{c.label.get(lang)} — {c.section}“{c.quote}”", wrap)
            r += 1
        r += 1
    wb.close()
