"""Render ``pack.diff`` entries: a rich table for the terminal, Markdown and JSON."""

from __future__ import annotations

import json
from typing import Any

from ..pack.diff import KINDS, Entry

__all__ = ["KIND_TITLES", "diff_json", "diff_markdown", "diff_rich"]

KIND_TITLES = {
    "document": {"zh": "文件", "en": "document"},
    "vocabulary": {"zh": "主体与类别", "en": "vocabulary"},
    "parameter": {"zh": "参数", "en": "parameter"},
    "rule": {"zh": "规则", "en": "rule"},
    "condition": {"zh": "条件", "en": "condition"},
    "interpretation": {"zh": "解释", "en": "interpretation"},
    "citation": {"zh": "引文", "en": "citation"},
}
CHANGE = {"added": {"zh": "新增", "en": "added"}, "removed": {"zh": "删除", "en": "removed"}, "changed": {"zh": "修改", "en": "changed"}}
_HEAD = {"zh": ("类别", "对象", "字段", "变化", "A", "B"), "en": ("kind", "what", "field", "change", "A", "B")}
_NONE = "—"


def _cells(e: Entry, lang: str) -> list[str]:
    return [KIND_TITLES[e.kind][lang], e.key, e.field or _NONE, CHANGE[e.change][lang], e.before or _NONE, e.after or _NONE]


def _title(a: str, b: str, n: int, lang: str) -> str:
    if lang == "zh":
        return f"规则差异：A = {a}；B = {b}（{n} 处）" if n else f"规则无差异：A = {a}；B = {b}"
    return f"Rule differences: A = {a}; B = {b} ({n})" if n else f"No differences: A = {a}; B = {b}"


def diff_markdown(entries: list[Entry], a: str, b: str, lang: str = "zh") -> str:
    """A Markdown table of the differences, grouped by kind."""
    out = [f"# {_title(a, b, len(entries), lang)}", ""]
    for kind in KINDS:
        rows = [e for e in entries if e.kind == kind]
        if not rows:
            continue
        out += [f"## {KIND_TITLES[kind][lang]}（{len(rows)}）" if lang == "zh" else f"## {KIND_TITLES[kind][lang]} ({len(rows)})", ""]
        out.append("| " + " | ".join(_HEAD[lang][1:]) + " |")
        out.append("|---|---|---|---|---|")
        for e in rows:
            out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in _cells(e, lang)[1:]) + " |")
        out.append("")
    return "\n".join(out) + "\n"


def diff_rich(entries: list[Entry], a: str, b: str, lang: str = "zh") -> Any:
    """A rich table of the differences (A and B side by side)."""
    from rich.table import Table

    table = Table(title=_title(a, b, len(entries), lang), show_lines=True, expand=True)
    for i, h in enumerate(_HEAD[lang]):
        table.add_column(h, overflow="fold", ratio=3 if i >= 4 else 1, no_wrap=i == 0)
    for e in entries:
        table.add_row(*_cells(e, lang), style={"added": "green", "removed": "red"}.get(e.change))
    return table


def diff_json(entries: list[Entry], a: str, b: str) -> str:
    data = {"a": a, "b": b, "differences": [
        {"kind": e.kind, "key": e.key, "field": e.field, "change": e.change, "a": e.before, "b": e.after} for e in entries]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
