"""Rosters laid out like the gazette's forms and filled the way township staff fill Excel.

* :func:`courtyard_roster` — 附件8 of 兴政办发〔2024〕12号 (2024 年兴县乡（镇）发展特色庭院经济农户奖补
  名册): a title merged over the table, a 填报单位/日期 row, a header over two rows (庭院经济发展情况
  over 类型 / 具体内容及规模 / 年度实现家庭增收), 序号, the 乡镇 merged down its block, 奖补档次 and
  奖补金额 as 附件3 and 附件7 count them, 一卡通账号 and 联系电话, a 小计 per village, a 合计 row and a
  制表人/审核人/日期 line. No 项目 or 主体类型 column: the title says which subsidy it is.
* :func:`toilet_roster` — the 户厕 households of a township as its staff list them against 附件2 of
  兴政办发〔2024〕8号 (任务分配表): 改厕方式 written the ways people write it (三格, 三隔, 3格, 双翁,
  水冲式 …), a row of column numbers under the header, a 合计 row and a signature line.

Both are used by the tests (``tests/test_form_rosters.py``, which vary the habits) and by
``tools/report_screenshots.py`` (the pictures of the report in docs/audit.md). Amounts are those the rule data gives: 附件3's tiers (300–700 元, a household
at most 700), 5000 元 a three-cell or double-urn toilet, 2000 元 an indoor flush one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def make_id(rng: random.Random) -> str:
    """A valid 身份证号 (GB 11643 check digit) of 兴县 (141123)."""
    body = f"141123{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["建国", "秀英", "桂兰", "玉兰", "志强", "海龙", "俊杰", "淑珍", "春梅", "永红", "国华", "金花", "明亮", "小燕", "文斌", "丽娟", "红霞", "德胜",
         "新民", "爱莲", "春生", "二虎", "三女", "改莲"]

# 附件3: (income gain, tier, award); the bounds themselves included, as the form says (包括 1500 元 …)
COURTYARD_CASES = [("1000", "一档", 300), ("1500", "一档", 300), ("1800", "二档", 400), ("2000", "二档", 400), ("2300", "三档", 500),
                   ("2500", "三档", 500), ("2800", "四档", 600), ("3000", "四档", 600), ("3600", "五档", 700), ("5200", "五档", 700)]


@dataclass
class Habits:
    """How a clerk filled the sheet (each a common habit; the tests switch them)."""

    title: bool = True  # a title merged over the table
    unit_row: bool = True  # a 填报单位 / 日期 row under the title
    two_row_header: bool = True  # 庭院经济发展情况 over the three columns under it (附件8) — or one row
    merged_township: bool = True  # the 乡镇 written once, merged down its block
    subtotals: bool = True  # a 小计 row after each village
    total: bool = True  # a 合计 row
    signature: bool = True  # a 制表人 / 审核人 / 日期 line (and a blank row before it)
    spelled_tiers: bool = True  # 奖补档次 written 三档, 第3档, 3档
    group_category: bool = True  # 农户类型 written 监测户 (a group) on some rows
    short_kinds: bool = True  # 庭院经济类型 written 种植, 养殖 (for 特色种植, 特色养殖)
    blank_row: bool = True  # a blank separator row in the data
    numbers_row: bool = True  # a row of column numbers (1, 2, 3 …) under the header (户厕)
    wrong_total: int = 0  # 元 added to the 合计 row (0: it adds up)
    sheet_name: str = "Sheet1"


@dataclass
class Row:
    """A household row as the roster writes it, and what the audit should find."""

    village: str
    name: str
    id_number: str
    cells: dict[str, object]
    award: int
    tier: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def courtyard_rows(township: str, villages: list[str], n: int, seed: int = 2024) -> list[Row]:
    rng = random.Random(seed)
    names = iter(f"{s}{g}" for s, g in zip(SURNAMES * 3, GIVEN * 6))
    out = []
    for i in range(n):
        income, tier, award = COURTYARD_CASES[i % len(COURTYARD_CASES)]
        category = ["一般户", "脱贫户", "监测户", "边缘易致贫户", "一般户"][i % 5]
        kind = ["特色种植", "种植", "特色养殖", "养殖", "特色加工"][i % 5]
        out.append(Row(villages[i * len(villages) // n], next(names), make_id(rng), {"category": category, "kind": kind, "income": income,
                                                                                   "scale": f"{rng.randint(20, 90)}平方米"}, award, tier))
    return out


def courtyard_roster(path: Path, township: str = "蔡家崖乡", villages: list[str] | None = None, n: int = 20, habits: Habits | None = None,
                     seed: int = 2024) -> list[Row]:
    """Write a 附件8 roster of ``n`` households and return its rows (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    h = habits or Habits()
    villages = villages or ["碾子", "南沟", "石岭则"]
    rows = courtyard_rows(township, villages, n, seed)
    wb = Workbook()
    ws = wb.active
    ws.title = h.sheet_name
    width = 14
    r = 1
    if h.title:
        ws.cell(r, 1, f"2024年兴县{township}发展特色庭院经济农户奖补名册").font = Font(bold=True, size=16)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        r += 1
    if h.unit_row:
        ws.cell(r, 1, f"填报单位：{township}人民政府（盖章）")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        ws.cell(r, 11, "填报日期：2024年10月9日")
        ws.merge_cells(start_row=r, start_column=11, end_row=r, end_column=width)
        r += 1
    heads = ["序号", "乡镇", "村", "农户姓名", "身份证号", "农户类型", None, None, None, "奖补档次", "奖补金额（元）", "一卡通账号", "联系电话", "备注"]
    under = ["庭院经济类型", "具体内容及规模", "年度实现家庭增收（元）"]
    if h.two_row_header:
        for j, t in enumerate(heads, start=1):
            if t is not None:
                ws.cell(r, j, t)
                ws.merge_cells(start_row=r, start_column=j, end_row=r + 1, end_column=j)
        ws.cell(r, 7, "庭院经济发展情况")
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=9)
        for j, t in enumerate(under, start=7):
            ws.cell(r + 1, j, t)
        r += 2
    else:
        for j, t in enumerate(heads[:6] + under + heads[9:], start=1):
            ws.cell(r, j, t)
        r += 1
    first_data = r
    total = 0
    block_total = 0
    spelled = {"三档": "第3档", "五档": "5档"}
    for k, row in enumerate(rows):
        serial = k + 1
        c = row.cells
        category = c["category"] if h.group_category or c["category"] != "监测户" else "脱贫不稳定户"
        kind = c["kind"] if h.short_kinds or c["kind"] not in ("种植", "养殖") else "特色" + str(c["kind"])
        tier = spelled.get(row.tier or "", row.tier) if h.spelled_tiers else row.tier
        card = f"62300{random.Random(serial).randint(10**13, 10**14 - 1)}"
        phone = 13800000000 + serial * 7919
        values = [serial, township if (not h.merged_township or r == first_data) else None, row.village, row.name, row.id_number, category, kind,
                  c["scale"], int(c["income"]) if str(c["income"]).isdigit() else c["income"], tier, row.award, card, phone, None]
        for j, v in enumerate(values, start=1):
            if v is not None:
                ws.cell(r, j, v)
        r += 1
        total += row.award
        block_total += row.award
        last_of_village = k + 1 == len(rows) or rows[k + 1].village != row.village
        if h.subtotals and last_of_village:
            ws.cell(r, 3, f"{row.village}小计")
            ws.cell(r, 11, block_total)
            block_total = 0
            r += 1
        if h.blank_row and k == len(rows) // 2:
            r += 1
    if h.merged_township:
        ws.merge_cells(start_row=first_data, start_column=2, end_row=r - 1, end_column=2)
    if h.total:
        ws.cell(r, 1, "合计")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        ws.cell(r, 4, f"{len(rows)}户")
        ws.cell(r, 11, total + h.wrong_total)
        r += 1
    if h.signature:
        r += 1
        ws.cell(r, 1, "制表人：张丽")
        ws.cell(r, 6, "审核人：王强")
        ws.cell(r, 11, "日期：2024年10月9日")
    wb.save(path)
    return rows


# 改厕方式 as people write it (real_roster_layouts.csv L12), the rule it names and its award
TOILET_MODELS = [("三格式", 5000), ("三格", 5000), ("三隔", 5000), ("3格", 5000), ("双瓮式", 5000), ("双翁", 5000), ("水冲式", 2000),
                 ("室内水冲", 2000)]


def toilet_roster(path: Path, township: str = "魏家滩镇", villages: list[str] | None = None, n: int = 16, habits: Habits | None = None,
                  seed: int = 8) -> list[Row]:
    """Write a township's 户厕 household list (see the module's docstring) and return its rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    h = habits or Habits()
    villages = villages or ["店上", "苏家里村", "王家畔", "程家焉村"]
    rng = random.Random(seed)
    names = iter(f"{s}{g}" for s, g in zip(reversed(SURNAMES * 3), GIVEN * 6))
    rows = []
    for i in range(n):
        model, award = TOILET_MODELS[i % len(TOILET_MODELS)]
        rows.append(Row(villages[i * len(villages) // n], next(names), make_id(rng), {"model": model}, award))
    wb = Workbook()
    ws = wb.active
    ws.title = h.sheet_name
    heads = ["序号", "乡镇", "行政村", "户主姓名", "身份证号码", "改厕方式", "补助金额（元）", "联系电话", "备注"]
    r = 1
    if h.title:
        ws.cell(r, 1, f"兴县2024年农村“厕所革命”改厕户花名册（{township}）").font = Font(bold=True, size=16)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(heads))
        r += 1
    if h.unit_row:
        ws.cell(r, 1, f"填报单位：{township}人民政府")
        ws.cell(r, 7, "时间：2024年11月20日")
        r += 1
    for j, t in enumerate(heads, start=1):
        ws.cell(r, j, t)
    r += 1
    if h.numbers_row:
        for j in range(1, len(heads) + 1):
            ws.cell(r, j, j)
        r += 1
    total = 0
    for k, row in enumerate(rows, start=1):
        for j, v in enumerate([k, township, row.village, row.name, row.id_number, row.cells["model"], row.award, 15900000000 + k * 131, None], start=1):
            if v is not None:
                ws.cell(r, j, v)
        total += row.award
        r += 1
    if h.total:
        ws.cell(r, 1, "合  计")
        ws.cell(r, 7, total + h.wrong_total)
        r += 1
    if h.signature:
        ws.cell(r, 1, "填表人：")
        ws.cell(r, 4, "审核人：")
        ws.cell(r, 7, "乡镇主要负责人（签字）：")
    wb.save(path)
    return rows
