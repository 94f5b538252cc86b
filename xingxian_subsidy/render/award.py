"""Render an Award: rich (terminal), Markdown, JSON and a page to print and sign (HTML). Renderers only render.

JSON is lossless: Decimals are strings, every check, step, citation and
interpretation is kept, stamped with the rule pack and source documents, so
an auditor can recompute from it.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..core.money import fmt_yuan
from ..engine.models import Award, LineItem
from ..engine.summary import STATUS, check_text
from ..selfservice.guide import SILENT, Guide, item_citation

__all__ = ["MSG", "guides_markdown", "guides_rich", "to_html", "to_json", "to_json_data", "to_markdown", "to_rich"]

MSG = {
    "title": {"zh": "奖补测算明细", "en": "Subsidy calculation"},
    "applicant": {"zh": "申请人", "en": "Applicant"},
    "subject": {"zh": "主体类型", "en": "Subject"},
    "category": {"zh": "农户类型", "en": "Category"},
    "year": {"zh": "年度", "en": "Year"},
    "total": {"zh": "合计", "en": "Total"},
    "yuan": {"zh": "元", "en": "yuan"},
    "source": {"zh": "依据", "en": "Source"},
    "paraphrase": {"zh": "（大意，非原文）", "en": " (paraphrase, not the text)"},
    "checks": {"zh": "条件", "en": "Conditions"},
    "steps": {"zh": "计算", "en": "Calculation"},
    "needs": {"zh": "需补充", "en": "Needs"},
    "interp": {"zh": "采用解释", "en": "Interpretation"},
    "also": {"zh": "还可关注（本主体类型可申请、本次未申报）", "en": "Also open to this subject (not claimed here)"},
    "rounding": {"zh": "取整规则", "en": "Rounding"},
    "pack": {"zh": "规则包", "en": "Rule pack"},
    "not_applicable": {"zh": "—", "en": "—"},
    "project": {"zh": "项目", "en": "project"},
    "in_kind": {"zh": "兑付方式", "en": "Paid"},
    "alt": {"zh": "按另一种理解", "en": "Under another reading"},
    "how_to": {"zh": "怎么申请", "en": "How to apply"},
    # the printed page (to_html)
    "print_title": {"zh": "奖补测算单", "en": "Subsidy calculation sheet"},
    "id_number": {"zh": "身份证号", "en": "ID number"},
    "no": {"zh": "序号", "en": "No."},
    "item": {"zh": "奖补项目", "en": "Subsidy"},
    "result": {"zh": "结果", "en": "Result"},
    "amount": {"zh": "金额（元）", "en": "Amount (yuan)"},
    "details": {"zh": "条件核验、计算与依据", "en": "Conditions checked, calculation and source"},
    "legend": {"zh": "✓ 已满足　✗ 未满足　? 未填写、未核验", "en": "✓ met   ✗ not met   ? not given, not checked"},
    "note": {"zh": "本单为按申请人所填信息的测算，不是审批结果；以乡镇审核、县级复核为准。",
             "en": "A calculation from what the applicant gave, not a decision: the township's and the county's review decide."},
    "sign_applicant": {"zh": "申请人（签字、按手印）", "en": "Applicant (signature)"},
    "sign_village": {"zh": "村委会（盖章）", "en": "Village committee (stamp)"},
    "sign_township": {"zh": "乡镇审核人", "en": "Checked by (township)"},
    "date": {"zh": "日期", "en": "Date"},
    "date_blank": {"zh": "　　　　年　　月　　日", "en": ""},
}


_MARK_STYLE = {"✓": "green", "✗": "red", "?": "yellow"}


def _m(key: str, lang: str, **kw: Any) -> str:
    return MSG[key][lang].format(**kw)


def to_json_data(award: Award) -> dict[str, Any]:
    data = award.model_dump(mode="json")
    data["tool"] = {"name": "xingxian-subsidy", "version": __version__}
    return data


def to_json(award: Award) -> str:
    """Lossless JSON (Decimals as strings), keys in model order: byte-identical on reruns."""
    return json.dumps(to_json_data(award), ensure_ascii=False, indent=2) + "\n"


def _citation_text(line: LineItem, lang: str) -> str:
    c = line.citation
    return f"{c.document_number or c.document_title} {c.section}（{c.place.get(lang)}）“{c.quote}”" + (_m("paraphrase", lang) if c.paraphrase else "")


def _line_blocks(line: LineItem, lang: str, interp_titles: dict[str, str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if line.project:
        out.append((_m("project", lang), line.project))
    for c in line.checks:
        out.append((_m("checks", lang), check_text(c, lang)))
    for s in line.steps:
        out.append((_m("steps", lang), s.text.get(lang)))
    if line.missing:
        out.append((_m("needs", lang), ("、" if lang == "zh" else ", ").join(m.label.get(lang) for m in line.missing)))
    for i in line.interpretations:
        out.append((_m("interp", lang), f"{i} {interp_titles.get(i, '')}"))
    for a in line.alternatives:
        shown = f"{fmt_yuan(a.amount)} {_m('yuan', lang)}" if a.status in ("awarded", "limited") else STATUS[a.status][lang]
        out.append((_m("alt", lang), f"{a.interpretation} {a.alternative}（{a.label.get(lang)}）：{shown}" if lang == "zh"
                    else f"{a.interpretation} {a.alternative} ({a.label.get(lang)}): {shown}"))
    if line.paid_in_kind is not None:
        out.append((_m("in_kind", lang), line.paid_in_kind.get(lang)))
    out.append((_m("source", lang), _citation_text(line, lang)))
    return out


def _header(award: Award, lang: str, subject_label: str, category_label: str | None) -> list[str]:
    a = award.applicant
    parts = [f"{_m('applicant', lang)}：{a.name}" if lang == "zh" else f"{_m('applicant', lang)}: {a.name}"]
    where = "".join(x for x in (a.township, a.village) if x)
    if where:
        parts[0] += f"（{where}）" if lang == "zh" else f" ({where})"
    sep = "：" if lang == "zh" else ": "
    parts.append(f"{_m('subject', lang)}{sep}{subject_label}")
    if category_label:
        parts.append(f"{_m('category', lang)}{sep}{category_label}")
    parts.append(f"{_m('year', lang)}{sep}{award.year}")
    return parts


def to_markdown(award: Award, lang: str = "zh", subject_label: str = "", category_label: str | None = None,
                rule_names: dict[str, str] | None = None) -> str:
    titles = {i.id: i.title.get(lang) for i in award.interpretations}
    out = [f"# {_m('title', lang)}", "", " · ".join(_header(award, lang, subject_label or award.applicant.subject, category_label)), ""]
    for n, line in enumerate(award.lines, 1):
        status = STATUS[line.status][lang]
        out.append(f"## {n}. {line.name.get(lang)} — {status} — **{fmt_yuan(line.amount)} {_m('yuan', lang)}**")
        out.append("")
        out.append(f"`{line.rule_id}`")
        out.append("")
        for label, text in _line_blocks(line, lang, titles):
            out.append(f"- **{label}**：{text}" if lang == "zh" else f"- **{label}**: {text}")
        out.append("")
    out.append(f"**{_m('total', lang)}：{fmt_yuan(award.total)} {_m('yuan', lang)}**" if lang == "zh" else f"**{_m('total', lang)}: {fmt_yuan(award.total)} {_m('yuan', lang)}**")
    out.append("")
    if award.interpretations:
        out.append(f"### {_m('interp', lang)}")
        out.append("")
        for i in award.interpretations:
            out.append(f"- **{i.id} {i.title.get(lang)}**：{i.reading.get(lang)}" if lang == "zh" else f"- **{i.id} {i.title.get(lang)}**: {i.reading.get(lang)}")
        out.append("")
    if award.also_eligible and rule_names:
        out.append(f"### {_m('also', lang)}")
        out.append("")
        for rid in award.also_eligible:
            out.append(f"- {rule_names.get(rid, rid)} (`{rid}`)")
        out.append("")
    out.append(f"{_m('rounding', lang)}：{award.rounding.get(lang)}" if lang == "zh" else f"{_m('rounding', lang)}: {award.rounding.get(lang)}")
    out.append("")
    out.append(f"{_m('pack', lang)}：{award.rule_pack}" if lang == "zh" else f"{_m('pack', lang)}: {award.rule_pack}")
    return "\n".join(out) + "\n"


def to_rich(award: Award, lang: str = "zh", subject_label: str = "", category_label: str | None = None,
            rule_names: dict[str, str] | None = None) -> Any:
    """A rich renderable (Group of a header, one table of lines, the total and notes)."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text as RText

    titles = {i.id: i.title.get(lang) for i in award.interpretations}
    colour = {"awarded": "green", "ineligible": "red", "excluded": "red", "undecided": "yellow", "not_quantified": "cyan", "limited": "magenta"}
    header = RText(" · ".join(_header(award, lang, subject_label or award.applicant.subject, category_label)), style="bold")
    table = Table(show_lines=True, expand=True, title=_m("title", lang))
    table.add_column("#", justify="right", width=3)
    table.add_column("奖补项目与说明" if lang == "zh" else "Subsidy and explanation", ratio=1, overflow="fold")
    table.add_column("金额（元）" if lang == "zh" else "Amount (yuan)", justify="right", width=14)
    for n, line in enumerate(award.lines, 1):
        body = [f"[bold]{escape(line.name.get(lang))}[/bold]  [{colour[line.status]}]{STATUS[line.status][lang]}[/]  [dim]{line.rule_id}[/dim]"]
        for label, text in _line_blocks(line, lang, titles):
            style = "dim" if label == _m("source", lang) else ""
            text_e = escape(text)
            if label == _m("checks", lang) and text[:1] in _MARK_STYLE:
                text_e = f"[{_MARK_STYLE[text[0]]}]{text[0]}[/]" + text_e[1:]
            body.append(f"[{style}]{label}：{text_e}[/{style}]" if style else f"{label}：{text_e}")
        amount = "—" if line.status in ("not_quantified", "undecided") else fmt_yuan(line.amount)
        table.add_row(str(n), "\n".join(body), amount)
    table.add_row("", f"[bold]{_m('total', lang)}[/bold]", f"[bold]{fmt_yuan(award.total)}[/bold]")
    parts: list[Any] = [header, table]
    if award.also_eligible and rule_names:
        parts.append(RText(_m("also", lang) + ("：" if lang == "zh" else ": ") + ("、" if lang == "zh" else ", ").join(
            rule_names.get(r, r) for r in award.also_eligible), style="cyan"))
    parts.append(RText(f"{_m('rounding', lang)}：{award.rounding.get(lang)}", style="dim"))
    parts.append(RText(f"{_m('pack', lang)}：{award.rule_pack}", style="dim"))
    return Group(*parts)


def _guide_title(g: Guide, lang: str) -> str:
    names = ("、" if lang == "zh" else "; ").join(n.get(lang) for n in g.names)
    return f"{_m('how_to', lang)}：{names}" if lang == "zh" else f"{_m('how_to', lang)}: {names}"


def guides_markdown(guides: list[Guide], lang: str = "zh") -> str:
    """How to apply, as Markdown: per guide, each topic with its items and their citations."""
    out: list[str] = []
    for g in guides:
        out += [f"### {_guide_title(g, lang)}", ""]
        for _, title, items in g.topics:
            if not items:
                out.append(f"- **{title.get(lang)}**：{SILENT.get(lang)}" if lang == "zh" else f"- **{title.get(lang)}**: {SILENT.get(lang)}")
                continue
            out.append(f"- **{title.get(lang)}**")
            for item in items:
                out.append(f"  - {item.text.get(lang)}（{_m('source', lang)}：{item_citation(g.document, item).get(lang)}）" if lang == "zh"
                           else f"  - {item.text.get(lang)} ({_m('source', lang)}: {item_citation(g.document, item).get(lang)})")
        out.append("")
    return "\n".join(out)


def guides_rich(guides: list[Guide], lang: str = "zh", cite: bool = False) -> Any:
    """How to apply, for the terminal: per guide, each topic and its items (citations with ``cite``)."""
    from rich.console import Group
    from rich.text import Text as RText

    parts: list[Any] = []
    for g in guides:
        parts.append(RText("\n" + _guide_title(g, lang), style="bold"))
        for _, title, items in g.topics:
            if not items:
                parts.append(RText(f"  {title.get(lang)}：{SILENT.get(lang)}" if lang == "zh" else f"  {title.get(lang)}: {SILENT.get(lang)}", style="dim"))
                continue
            parts.append(RText(f"  {title.get(lang)}", style="bold"))
            for item in items:
                parts.append(RText(f"    · {item.text.get(lang)}"))
                if cite:
                    parts.append(RText(f"      {_m('source', lang)}：{item_citation(g.document, item).get(lang)}", style="dim"))
    return Group(*parts)


_PRINT_CSS = """
@page { size: A4 portrait; margin: 12mm 14mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimSun", sans-serif; font-size: 10pt; line-height: 1.35;
       color: #000; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 2mm; letter-spacing: 0.1em; }
.who { display: flex; flex-wrap: wrap; gap: 1mm 6mm; border-bottom: 1px solid #000; padding-bottom: 1.5mm; margin-bottom: 2mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eee; font-weight: bold; }
td.n, th.n { width: 12mm; text-align: center; }
td.amt, th.amt { width: 28mm; text-align: right; white-space: nowrap; }
td.res, th.res { width: 26mm; }
tr.detail td { font-size: 8.5pt; border-top: 0; }
tr.detail ul { margin: 0; padding-left: 4mm; }
tr.detail li { margin: 0; }
.src { color: #333; }
tr.total td { font-weight: bold; font-size: 11pt; }
.legend, .note, .stamp { font-size: 8pt; color: #333; margin: 1mm 0; }
.sign { display: grid; grid-template-columns: 1fr 1fr; gap: 7mm 10mm; margin-top: 6mm; page-break-inside: avoid; }
.sign div { border-bottom: 1px solid #000; padding-top: 7mm; font-size: 10pt; }
@media screen { body { padding: 12mm; } }
@media print { body { padding: 0; } tr { page-break-inside: avoid; } }
"""


def to_html(award: Award, lang: str = "zh", subject_label: str = "", category_label: str | None = None,
            rule_names: dict[str, str] | None = None, show_id: bool = False) -> str:
    """A page to print and sign (one A4 page for a typical household): the applicant, each line with
    its result and amount, the total, per line the conditions checked, the calculation and its
    citation, the interpretations and rounding used, the rule pack, and room for signatures. The ID
    number is masked unless ``show_id``. Everything the applicant typed is escaped."""
    from html import escape

    def e(text: object) -> str:
        return escape(str(text), quote=True)

    titles = {i.id: i.title.get(lang) for i in award.interpretations}
    sep = "：" if lang == "zh" else ": "
    who = _header(award, lang, subject_label or award.applicant.subject, category_label)
    if award.applicant.id_number:
        shown = award.applicant.id_number
        if not show_id:
            from ..audit.identity import mask_id

            shown = mask_id(shown) or ""
        who.insert(1, f"{_m('id_number', lang)}{sep}{shown}")
    out = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
           f"<title>{e(_m('print_title', lang))} · {e(award.applicant.name)}</title>",
           f"<style>{_PRINT_CSS}</style></head><body>",
           f"<h1>{e(_m('print_title', lang))}</h1>",
           '<div class="who">' + "".join(f"<span>{e(p)}</span>" for p in who) + "</div>",
           "<table><thead><tr>"
           f'<th class="n">{e(_m("no", lang))}</th><th>{e(_m("item", lang))}</th><th class="res">{e(_m("result", lang))}</th>'
           f'<th class="amt">{e(_m("amount", lang))}</th></tr></thead><tbody>']
    for n, line in enumerate(award.lines, 1):
        amount = "—" if line.status in ("not_quantified", "undecided") else fmt_yuan(line.amount)
        out.append(f'<tr class="line"><td class="n">{n}</td><td><b>{e(line.name.get(lang))}</b></td>'
                   f'<td class="res">{e(STATUS[line.status][lang])}</td><td class="amt">{e(amount)}</td></tr>')
        grouped: dict[str, list[str]] = {}  # the conditions on one line, the interpretations on one: the page stays one page
        for label, text in _line_blocks(line, lang, titles):
            grouped.setdefault(label, []).append(text)
        items = []
        for label, texts in grouped.items():
            cls = ' class="src"' if label == _m("source", lang) else ""
            items.append(f"<li{cls}>{e(label)}{sep}{e(('；' if lang == 'zh' else '; ').join(texts))}</li>")
        out.append(f'<tr class="detail"><td></td><td colspan="3"><ul>{"".join(items)}</ul></td></tr>')
    out.append(f'<tr class="total"><td></td><td colspan="2">{e(_m("total", lang))}</td><td class="amt">{e(fmt_yuan(award.total))}</td></tr>')
    out.append("</tbody></table>")
    out.append(f'<p class="legend">{e(_m("legend", lang))}</p>')
    if award.also_eligible and rule_names:
        out.append(f'<p class="legend">{e(_m("also", lang))}{sep}' + e(("、" if lang == "zh" else ", ").join(
            rule_names.get(r, r) for r in award.also_eligible)) + "</p>")
    out.append(f'<p class="note">{e(_m("note", lang))}</p>')
    out.append(f'<p class="stamp">{e(_m("rounding", lang))}{sep}{e(award.rounding.get(lang))}　{e(_m("pack", lang))}{sep}{e(award.rule_pack)}</p>')
    date = f"{_m('date', lang)}{sep}{_m('date_blank', lang)}"
    out.append('<div class="sign">' + "".join(f"<div>{e(t)}{e(sep)}</div>" for t in (
        _m("sign_applicant", lang), _m("sign_village", lang), _m("sign_township", lang))) + f"<div>{e(date)}</div></div>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
