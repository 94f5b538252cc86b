"""The audit report as a workbook to print and sign (.xlsx).

Every sheet is laid out for paper: a title and a line saying what was audited and when (Beijing
time), the header repeated on every page, 序号, a 合计 row, a 制表人 / 审核人 / 日期 block, landscape
A4 (A3 for a 明细 too wide for it) fitted to the page width, page numbers in the footer. Amounts are numbers with number formats
(元 ``#,##0.00``, 万元 ``#,##0.0000``, rates ``0.0%``), never text, so Excel can add them; statuses
are coloured by conditional formatting; 汇总 carries a chart of the townships' totals and each of
the pack's report tables its own sheet laid out as its form (附件7: the county table with its 合计
row, a chart of households by tier, then each township's request letter on a page of its own; 附件2:
the task table with its 合计 row).

Totals reconcile everywhere: 申报, 核定 and 差额 are summed over the rows that have both (差额合计
= 申报合计 − 核定合计), and the rows lacking either are counted on a line of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from ..core.text import Text
from .cells import neutralise
from .report import COLUMN_TITLES, INPUT_MARK, MONEY_COLUMNS, READINGS_TITLE, STATUSES, AuditReport

__all__ = ["write_workbook"]

# the paper a report is printed on: A4 (xlsxwriter's paper 9), landscape, fitted to the page width;
# a sheet wider than WIDE character widths (明细 with the roster's own columns) on A3 (paper 8), the
# size offices print wide tables on, so that fitting it to the width keeps it legible
A4 = 9
A3 = 8
WIDE = 260

T = {
    "detail": Text(zh="明细", en="detail"),
    "issues": Text(zh="问题清单", en="issues"),
    "summary": Text(zh="汇总", en="summary"),
    "about": Text(zh="说明", en="about"),
    "detail_title": Text(zh="{title}名册审核明细表", en="{title}: roster audit, row by row"),
    "issues_title": Text(zh="{title}名册审核问题清单", en="{title}: roster audit, problems"),
    "summary_title": Text(zh="{title}名册审核汇总表", en="{title}: roster audit, summary"),
    "about_title": Text(zh="{title}名册审核说明（可复核信息）", en="{title}: roster audit, how to reproduce it"),
    "serial": Text(zh="序号", en="no."),
    "subtitle": Text(zh="名册：{files}　{year}年规则：{pack}　生成时间：{when}（北京时间）",
                     en="roster: {files}   rules of {year}: {pack}   generated {when} (Beijing time)"),
    "total": Text(zh="合计", en="total"),
    "total_compared": Text(zh="合计（申报、核定两者都有的 {n} 行）", en="total (the {n} rows with both a claim and a recomputed amount)"),
    "apart": Text(zh="未能比对的 {n} 行（输入有误、未填申报金额或无法核定）", en="the {n} rows not compared (input errors, no claim, or nothing to recompute)"),
    "reconcile": Text(zh="注：申报、核定、差额合计只计两者都有的行，差额合计 = 申报合计 − 核定合计；未能比对的行另列，其申报金额与上一行相加即名册的申报总额。",
                      en="Note: claimed, recomputed and difference totals count the rows that have both (difference = claimed − recomputed); "
                         "rows not compared are counted apart, and their claims added to the total give the roster's claimed total."),
    "sign": Text(zh="制表人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日",
                 en="Prepared by: ____________    Checked by: ____________    Date: ____________"),
    "page": Text(zh="&C第 &P 页，共 &N 页", en="&CPage &P of &N"),
    "chart_towns": Text(zh="各乡镇申报与核定金额（元）", en="Claimed and recomputed by township (yuan)"),
    "chart_tiers": Text(zh="各档户数", en="Households by tier"),
    "date_line": Text(zh="　　　　年　　月　　日", en="Date: ____________"),
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _t(key: str, lang: str, **kw: Any) -> str:
    return T[key].get(lang).format(**kw)


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        add = lambda **kw: wb.add_format({**base, **kw})
        self.title = add(bold=True, font_size=16, align="center", font_name="黑体")
        self.subtitle = add(font_size=9, align="left", font_color="#444444")
        self.head = add(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center")
        self.text = add(border=1)
        self.wrap = add(border=1, text_wrap=True, valign="top")
        self.int = add(border=1, num_format="0")
        self.money = add(border=1, num_format="#,##0.00")
        self.wan = add(border=1, num_format="#,##0.0000##")
        self.pct = add(border=1, num_format="0.0%")
        self.date = add(border=1, num_format="yyyy-mm-dd")
        self.total_text = add(border=1, bold=True, bg_color="#F2F2F2")
        self.total_int = add(border=1, bold=True, bg_color="#F2F2F2", num_format="0")
        self.total_money = add(border=1, bold=True, bg_color="#F2F2F2", num_format="#,##0.00")
        self.total_wan = add(border=1, bold=True, bg_color="#F2F2F2", num_format="#,##0.0000##")
        self.total_pct = add(border=1, bold=True, bg_color="#F2F2F2", num_format="0.0%")
        self.bold = add(bold=True)
        self.plain = add()
        self.note = add(font_size=9, text_wrap=True, valign="top")
        self.letter = add(font_size=12, text_wrap=True, valign="top")
        self.letter_title = add(bold=True, font_size=16, align="center", text_wrap=True, font_name="黑体")
        self.right = add(font_size=12, align="right")
        self.status = {
            "match": wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"}),
            "over": wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
            "under": wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"}),
            "ineligible": wb.add_format({"font_color": "#7F7F7F", "bg_color": "#EDEDED"}),
            "incomplete": wb.add_format({"font_color": "#1F4E78", "bg_color": "#DDEBF7"}),
            "bad_input": wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE", "bold": True}),
        }


def _kinds(df: pl.DataFrame, lang: str) -> dict[str, str]:
    """How each column is written: money (元), wan (万元, from exact text), pct (a rate from text
    such as 3.5%), int, date (ISO date text), text."""
    money = {COLUMN_TITLES[c].get(lang) for c in MONEY_COLUMNS if c in COLUMN_TITLES} | set(MONEY_COLUMNS)
    pct = {COLUMN_TITLES["completion"].get(lang)}
    out = {}
    for c, t in df.schema.items():
        if c in money:
            out[c] = "money"
        elif c.endswith("（万元）") or c.endswith("(万元)"):
            out[c] = "wan"
        elif c in pct:
            out[c] = "pct"
        elif t.is_integer():
            out[c] = "int"
        elif t == pl.String and df.height and bool(df.get_column(c).str.contains(_DATE.pattern).any()):
            out[c] = "date"
        else:
            out[c] = "text"
    return out


def _number(text: str, scale: Decimal = Decimal(1)) -> Decimal | None:
    """An exact figure's text as a Decimal for a number cell (xlsx stores a number cell as an IEEE
    double: the conversion happens in the file writer, on figures of at most 15 significant digits)."""
    try:
        return Decimal(text.rstrip("%")) * scale
    except (InvalidOperation, ValueError):
        return None


class _Sheet:
    """One sheet written top to bottom (the workbook is written in constant memory)."""

    def __init__(self, wb: Any, f: _Formats, name: str, width: int, lang: str) -> None:
        self.ws = wb.add_worksheet(name)
        self.f, self.width, self.lang, self.r = f, max(width, 1), lang, 0
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(A4)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer(_t("page", lang))
        ws.hide_gridlines(1)  # on screen, not on paper: the tables have their own borders

    def title(self, text: str, subtitle: str | None = None) -> None:
        self.ws.set_row(self.r, 28)
        self._merged(text, self.f.title)
        if subtitle:
            self._merged(subtitle, self.f.subtitle)

    def _merged(self, text: str, fmt: Any, height: float | None = None) -> None:
        if height:
            self.ws.set_row(self.r, height)
        if self.width > 1:
            self.ws.merge_range(self.r, 0, self.r, self.width - 1, neutralise(text), fmt)
        else:
            self.ws.write_string(self.r, 0, neutralise(text), fmt)
        self.r += 1

    def line(self, text: str, fmt: Any = None, height: float | None = None) -> None:
        self._merged(text, fmt or self.f.plain, height)

    def blank(self, n: int = 1) -> None:
        self.r += n

    def table(self, df: pl.DataFrame, *, serial: bool = True, repeat: bool = False, status_col: str | None = None,
              total_key: str | None = None, widths: dict[str, float] | None = None) -> tuple[int, int]:
        """Write a table: header, then rows (a 序号 first when ``serial``); a row whose ``total_key``
        column reads 合计 is bold and not numbered. Returns the sheet rows of its first and last data row."""
        ws, f, lang = self.ws, self.f, self.lang
        kinds = _kinds(df, lang)
        cols = list(df.columns)
        off = 1 if serial else 0
        head = self.r
        ws.set_row(head, 30)  # room for a header of two lines (未能比对行的申报金额（元）)
        if serial:
            ws.write_string(head, 0, _t("serial", lang), f.head)
        for j, c in enumerate(cols):
            # the roster's own 序号 beside the report's: marked as the input's, as other clashing titles are
            title = c + INPUT_MARK.get(lang) if serial and c == _t("serial", lang) else c
            ws.write_string(head, j + off, str(neutralise(title)), f.head)
        if repeat:
            ws.repeat_rows(head)
            ws.freeze_panes(head + 1, 0)
        for j, c in enumerate(cols):
            w = (widths or {}).get(c)
            if w is not None:
                ws.set_column(j + off, j + off, w)
        total_word = {_t("total", "zh"), _t("total", "en")}
        first = head + 1
        n = 0
        for i, rec in enumerate(df.iter_rows(), start=first):
            is_total = total_key is not None and rec[cols.index(total_key)] in total_word
            if serial and not is_total:
                n += 1
                ws.write_number(i, 0, n, f.int)
            elif serial:
                ws.write_blank(i, 0, None, f.total_text)
            for j, (c, v) in enumerate(zip(cols, rec)):
                self._cell(i, j + off, v, kinds[c], is_total)
        last = first + df.height - 1
        if status_col is not None and status_col in cols and df.height:
            col = cols.index(status_col) + off
            for key, fmt in f.status.items():
                ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "==", "value": f'"{STATUSES[key].get(lang)}"', "format": fmt})
        self.r = last + 1
        return first, last

    def _cell(self, i: int, j: int, v: Any, kind: str, total: bool) -> None:
        ws, f = self.ws, self.f
        if v is None:
            ws.write_blank(i, j, None, f.total_text if total else f.text)
            return
        if kind == "money":
            # the cell's number is the double nearest the exact amount in 分/100; to 2 decimals it reads back exactly
            ws.write_number(i, j, Decimal(int(v)).scaleb(-2), f.total_money if total else f.money)
        elif kind == "wan" and isinstance(v, str) and _number(v) is not None:
            ws.write_number(i, j, _number(v), f.total_wan if total else f.wan)
        elif kind == "pct" and isinstance(v, str) and _number(v, Decimal("0.01")) is not None:
            ws.write_number(i, j, _number(v, Decimal("0.01")), f.total_pct if total else f.pct)
        elif isinstance(v, bool):
            ws.write_string(i, j, "是" if v else "否", f.text)
        elif isinstance(v, int):
            ws.write_number(i, j, v, f.total_int if total else f.int)
        elif kind == "date" and isinstance(v, str) and _DATE.match(v):
            ws.write_datetime(i, j, dt.datetime.strptime(v, "%Y-%m-%d"), f.date)
        else:
            ws.write_string(i, j, str(neutralise(str(v))), f.total_text if total else f.text)

    def total_rows(self, cols: list[str], values: list[tuple[str, dict[str, Any]]], serial: bool = True) -> None:
        """Rows under a table: a label in the first column, values by column title (money in 分)."""
        kinds = {c: ("money" if c in {COLUMN_TITLES[k].get(self.lang) for k in MONEY_COLUMNS if k in COLUMN_TITLES} else "int") for c in cols}
        off = 1 if serial else 0
        for label, vals in values:
            if serial:
                self.ws.write_blank(self.r, 0, None, self.f.total_text)
            for j, c in enumerate(cols):
                if j == 0:
                    self.ws.write_string(self.r, j + off, label, self.f.total_text)
                elif c in vals and vals[c] is not None:
                    self._cell(self.r, j + off, vals[c], kinds[c], True)
                else:
                    self.ws.write_blank(self.r, j + off, None, self.f.total_text)
            self.r += 1

    def signature(self) -> None:
        self.blank()
        self.line(_t("sign", self.lang), self.f.plain, 24)


def write_workbook(report: AuditReport, out: Path, detail: pl.DataFrame, issues: pl.DataFrame,
                   summaries: list[tuple[str, str, pl.DataFrame]], readings: pl.DataFrame | None) -> None:
    """Write the report workbook (see the module's docstring): 明细, 问题清单, 汇总, a sheet per
    report table of the pack that names one (附件7, 附件2), 争议口径影响 and 说明."""
    import xlsxwriter

    lang = report.lang
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    f = _Formats(wb)
    s = report.stamp
    title = report.title or ""
    files = "、".join(Path(i["file"]).name for i in s.get("inputs", []) if i.get("status") == "read") or Path(s["input_file"]).name
    when = s["generated_at"].replace("T", " ")[:16]
    subtitle = _t("subtitle", lang, files=files, year=s["year"], pack=s["rule_pack"], when=when)

    # 明细: every row, a 合计 of the rows compared and a line for those not, a signature block
    sh = _Sheet(wb, f, T["detail"].get(lang), detail.width + 1, lang)
    sh.title(_t("detail_title", lang, title=title), subtitle)
    widths = {COLUMN_TITLES["reason"].get(lang): 50, COLUMN_TITLES["basis"].get(lang): 36, COLUMN_TITLES["notes"].get(lang): 30,
              COLUMN_TITLES["id_number"].get(lang): 20, COLUMN_TITLES["rule_name"].get(lang): 24, COLUMN_TITLES["rule"].get(lang): 30,
              COLUMN_TITLES["row"].get(lang): 6}
    sh.ws.set_column(0, 0, 5)
    sh.ws.set_column(1, detail.width, 12)
    if 5 + sum(widths.get(c, 12) for c in detail.columns) > WIDE:
        sh.ws.set_paper(A3)
    first, last = sh.table(detail, repeat=True, status_col=COLUMN_TITLES["status"].get(lang), widths=widths)
    if detail.height:
        sh.ws.autofilter(first - 1, 0, last, detail.width)
    rows = report.rows
    compared = rows.filter(pl.col("diff_fen").is_not_null())
    apart = rows.filter(pl.col("diff_fen").is_null())
    claimed, award, diff = (COLUMN_TITLES[k].get(lang) for k in ("claimed", "award", "diff"))
    sums = [(_t("total_compared", lang, n=compared.height), {claimed: int(compared.get_column("claimed_fen").sum() or 0),
                                                            award: int(compared.get_column("award_fen").sum() or 0),
                                                            diff: int(compared.get_column("diff_fen").sum() or 0)})]
    if apart.height:
        sums.append((_t("apart", lang, n=apart.height), {claimed: int(apart.get_column("claimed_fen").sum() or 0),
                                                         award: int(apart.get_column("award_fen").sum() or 0)}))
    sh.total_rows(list(detail.columns), sums)
    sh.line(_t("reconcile", lang), f.note, 30)
    sh.signature()

    # 问题清单
    sh = _Sheet(wb, f, T["issues"].get(lang), issues.width + 1, lang)
    sh.title(_t("issues_title", lang, title=title), subtitle)
    sh.ws.set_column(0, 0, 5)
    sh.ws.set_column(1, issues.width, 14)
    if COLUMN_TITLES["message"].get(lang) in issues.columns:
        j = issues.columns.index(COLUMN_TITLES["message"].get(lang)) + 1
        sh.ws.set_column(j, j, 70)
    sh.table(issues, repeat=True)
    sh.signature()

    # 汇总: the generic tables, a chart of the townships, the report texts
    own_sheet = {k for k, r in report.reports.items() if getattr(r, "sheet", None)}
    general = [(k, t, df) for k, t, df in summaries if k not in own_sheet]
    width = max((df.width for _, _, df in general), default=4) + 1
    sh = _Sheet(wb, f, T["summary"].get(lang), width, lang)
    sh.title(_t("summary_title", lang, title=title), subtitle)
    sh.ws.set_column(0, 0, 5)
    sh.ws.set_column(1, 1, 22)
    sh.ws.set_column(2, width, 14)
    town_rows: tuple[int, int, pl.DataFrame] | None = None
    for key, heading, df in general:
        sh.line(heading, f.bold, 20)
        key_col = df.columns[0]
        a, b = sh.table(df, total_key=key_col)
        if key in ("by_file", "by_township", "by_village", "by_rule"):
            sh.line(_t("reconcile", lang), f.note, 30)
        if key == "by_township":
            town_rows = (a, b, df)
        sh.blank()
    if report.texts and report.texts_title is not None and not own_sheet:
        sh.line(report.texts_title.get(lang), f.bold)
        for text in report.texts:
            sh.line(text, f.note, 30)
        sh.blank()
    if town_rows is not None and town_rows[1] > town_rows[0]:
        a, b, df = town_rows
        name = T["summary"].get(lang)
        chart = wb.add_chart({"type": "column"})
        for col_key in ("claimed_fen", "award_fen"):
            j = df.columns.index(COLUMN_TITLES[col_key].get(lang)) + 1
            chart.add_series({"name": [name, a - 1, j], "categories": [name, a, 1, b - 1, 1], "values": [name, a, j, b - 1, j]})
        chart.set_title({"name": _t("chart_towns", lang), "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 640, "height": 300})
        sh.ws.insert_chart(sh.r, 1, chart)
        sh.blank(16)
    sh.signature()

    # each report table of the pack that names its own sheet, laid out as its form
    for key, heading, df in summaries:
        if key in own_sheet:
            _report_sheet(wb, f, report, report.reports[key], heading, df, subtitle, lang)

    if readings is not None:
        sh = _Sheet(wb, f, READINGS_TITLE.get(lang), readings.width + 1, lang)
        sh.title(READINGS_TITLE.get(lang), subtitle)
        sh.ws.set_column(0, 0, 5)
        sh.ws.set_column(1, 1, 10)
        sh.ws.set_column(2, 2, 40)
        sh.ws.set_column(3, 3, 10)
        sh.ws.set_column(4, 4, 40)
        sh.ws.set_column(5, 10, 16)
        sh.table(readings, repeat=True)
        sh.signature()

    _about(wb, f, report, subtitle, lang)
    wb.close()


def _report_sheet(wb: Any, f: _Formats, report: AuditReport, spec: Any, heading: str, df: pl.DataFrame, subtitle: str, lang: str) -> None:
    """A report table on its own sheet: its title, the table with its 合计 row, a chart of the
    households by tier (a tier table), a signature block; then, for a form filed per township
    (``letter``), each township's letter on a page of its own."""
    name = spec.sheet
    sh = _Sheet(wb, f, name, df.width + 1, lang)
    sh.title(heading, subtitle)
    sh.ws.set_column(0, 0, 5)
    sh.ws.set_column(1, 1, 14)
    sh.ws.set_column(2, df.width, 12)
    key_col = df.columns[0]
    a, b = sh.table(df, total_key=key_col, repeat=False)
    applying = COLUMN_TITLES["households"].get(lang)
    tier_cols = [j for j, c in enumerate(df.columns) if c != applying and (c.endswith("户数") if lang == "zh" else c.endswith(" households"))]
    if getattr(spec, "kind", None) == "tier_summary" and tier_cols and df.height:
        total = b  # the county 合计 row; the tier columns alternate households and 万元: a series per tier's households
        chart = wb.add_chart({"type": "column"})
        for j in tier_cols:
            chart.add_series({"name": [name, a - 1, j + 1], "values": [name, total, j + 1, total, j + 1], "data_labels": {"value": True}})
        chart.set_title({"name": _t("chart_tiers", lang), "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 560, "height": 260})
        sh.blank()
        sh.ws.insert_chart(sh.r, 1, chart)
        sh.blank(14)
    sh.signature()
    letter = getattr(spec, "letter", None)
    if letter is None or spec.text is None:
        return
    tiers = [c[: -len("户数")] for c in df.columns if c.endswith("户数") and c != COLUMN_TITLES["households"].get(lang)] if lang == "zh" else \
        [c[: -len(" households")] for c in df.columns if c.endswith(" households")]
    breaks = []
    total_word = {_t("total", "zh"), _t("total", "en")}
    for rec in df.iter_rows(named=True):
        town = rec[key_col]
        if town in total_word:
            continue
        breaks.append(sh.r)
        sep = "；" if lang == "zh" else "; "
        wan_title = "奖补资金（万元）" if lang == "zh" else " (万元)"
        parts = sep.join(spec.tier_text.get(lang).format(tier=t, households=rec[f"{t}户数" if lang == "zh" else f"{t} households"],
                                                          wan=rec[f"{t}{wan_title}"]) for t in tiers) if spec.tier_text else ""
        total_title = COLUMN_TITLES["total_wan"].get(lang)
        body = letter.body.get(lang).format(township=town, year=report.year, households=rec[COLUMN_TITLES["households"].get(lang)], tiers=parts,
                                            total_wan=rec[total_title])
        sh.line(letter.title.get(lang).format(township=town), f.letter_title, 48)
        sh.blank()
        if letter.addressee is not None:
            sh.line(letter.addressee.get(lang), f.letter, 20)
        sh.line(("　　" if lang == "zh" else "") + body, f.letter, 120)
        if letter.closing is not None:
            sh.line(("　　" if lang == "zh" else "") + letter.closing.get(lang), f.letter, 60)
        sh.blank(2)
        if letter.signed is not None:
            sh.line(letter.signed.get(lang).format(township=town), f.right, 20)
        sh.line(_t("date_line", lang), f.right, 20)
        sh.blank()
    sh.ws.set_h_pagebreaks(breaks)


def _about(wb: Any, f: _Formats, report: AuditReport, subtitle: str, lang: str) -> None:
    """说明: what was audited and how to reproduce it — the rule pack, every file and sheet, the rows
    set aside and why, each 合计 checked, the roster-level facts, the spellings read, and per
    subsidy what its "一致" rests on."""
    s = report.stamp
    zh = lang == "zh"
    sh = _Sheet(wb, f, T["about"].get(lang), 2, lang)
    ws = sh.ws
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 110)
    sh.title(_t("about_title", lang, title=report.title or ""), subtitle)

    def line(k: str, v: str) -> None:
        ws.write_string(sh.r, 0, k, f.bold)
        ws.write_string(sh.r, 1, str(neutralise(v)), f.note)
        sh.r += 1

    line("工具" if zh else "tool", s["tool"])
    line("规则包" if zh else "rule pack", s["rule_pack"])
    line("年度" if zh else "year", str(s["year"]))
    for src in s["sources"]:
        line("依据文件" if zh else "source", src)
    line("生成时间（北京时间）" if zh else "generated (Beijing time)", s["generated_at"])
    line("行数" if zh else "rows", str(s["rows"]))
    line("计算路径" if zh else "engine", s["engine"])
    line("取整规则" if zh else "rounding", s["rounding"])
    inputs = s.get("inputs") or [{"file": s["input_file"], "sha256": s["input_sha256"], "status": "read", "rows": s["rows"]}]
    for i in inputs:
        if i.get("status") == "read":
            line("输入文件" if zh else "input file", f"{i['file']}（{i['rows']} 行，SHA-256 {i.get('sha256', '')}）" if zh
                 else f"{i['file']} ({i['rows']} rows, SHA-256 {i.get('sha256', '')})")
        else:
            line("未读取的文件" if zh else "file not read", f"{i['file']}：{i.get('note', '')}" if zh else f"{i['file']}: {i.get('note', '')}")
    for sheet in s.get("sheets", []):
        state = {"read": ("已读取", "read"), "empty": ("空白", "empty"), "not_roster": ("未读取", "not read")}[sheet["status"]]
        where = (Path(sheet["file"]).name + " › " if sheet.get("file") else "") + sheet["name"]
        text = (f"{where}{'（隐藏）' if sheet['hidden'] else ''}：{state[0]}" + (f" {sheet['rows']} 行" if sheet["status"] == "read" else "")
                if zh else f"{where}{' (hidden)' if sheet['hidden'] else ''}: {state[1]}" + (f", {sheet['rows']} rows" if sheet["status"] == "read" else ""))
        if sheet.get("header_rows"):
            text += (f"；表头在第 {'–'.join(str(r) for r in sheet['header_rows'])} 行" if zh else f"; header on row {'–'.join(str(r) for r in sheet['header_rows'])}")
        if sheet.get("title"):
            text += (f"；表名：{sheet['title']}" if zh else f"; title: {sheet['title']}").replace("\n", " ")
        if sheet.get("note"):
            text += ("：" if zh else ": ") + sheet["note"]
        line("工作表" if zh else "sheet", text)
    for k in s.get("skipped", []):
        where = " › ".join(x for x in (k.get("file"), k.get("sheet")) if x)
        line("未作为名册行读取" if zh else "not a roster row", (f"{where} 第 {k['rows']} 行：{k['reason']}" if zh else f"{where} row {k['rows']}: {k['reason']}").strip())
    for t in s.get("totals", []):
        where = " › ".join(x for x in (t.get("file"), t.get("sheet")) if x)
        ok = ("与所加 {n} 行之和相符" if zh else "agrees with the sum of its {n} rows").format(n=t["rows"])
        bad = (f"与所加 {t['rows']} 行之和 {t['sum_of_rows']} 不符" if zh else f"differs from the sum of its {t['rows']} rows, {t['sum_of_rows']}")
        line("合计核对" if zh else "total checked", (f"{where} 第 {t['row']} 行“{t['label']}”的“{t['column']}” {t['stated']}：" if zh
                                                  else f"{where} row {t['row']} ({t['label']}), {t['column']} {t['stated']}: ") + (ok if t["agrees"] else bad))
    for fact in s.get("facts", []):
        line("整表默认" if zh else "roster-level fact", fact)
    for r in s.get("read_as", []):
        line("读法" if zh else "read as", f"{r['column']}“{r['written']}”按“{r['read_as']}”读（{r['rows']} 行）" if zh
             else f"{r['column']} {r['written']!r} read as {r['read_as']!r} ({r['rows']} rows)")
    for sc in s.get("scope", []):
        line("核验范围" if zh else "what was checked", f"{sc['name']}：{sc['basis']}" if zh else f"{sc['name']}: {sc['basis']}")
    if s.get("unused_columns"):
        hints = s.get("did_you_mean", {})
        cols = ("、" if zh else ", ").join(c + (f"（是否应为“{hints[c]}”？）" if zh else f" (did you mean {hints[c]!r}?)") if c in hints else c
                                          for c in s["unused_columns"])
        line("未识别的列" if zh else "columns not used", cols)
    line("说明" if zh else "note", T["reconcile"].get(lang))
