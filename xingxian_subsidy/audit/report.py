"""What an audit hands back (AuditReport), the row statuses, and the titles its tables carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ..core.text import Text

__all__ = ["COLUMN_TITLES", "INPUT_MARK", "KIND_TITLES", "MONEY_COLUMNS", "READINGS_TITLE", "STATUSES", "AuditReport", "yuan_text"]

# Row statuses (zh is the value written; en for --lang en).
STATUSES: dict[str, Text] = {
    "match": Text(zh="一致", en="matches"),
    "over": Text(zh="多报", en="over-claimed"),
    "under": Text(zh="少报", en="under-claimed"),
    "ineligible": Text(zh="不符合条件", en="not eligible"),
    "incomplete": Text(zh="信息不全", en="information missing"),
    "bad_input": Text(zh="输入有误", en="input error"),
}

@dataclass
class AuditReport:
    """The audit: detail rows (input order), problems, summaries and the reproducibility stamp.

    Amounts in ``rows`` are integer 分 (columns ``claimed_fen``, ``award_fen``, ``diff_fen``).
    """

    rows: pl.DataFrame
    issues: pl.DataFrame
    summaries: dict[str, pl.DataFrame]
    stamp: dict[str, Any]
    texts: list[str]
    lang: str = "zh"
    # columns of ``rows`` known to hold no cell a spreadsheet would run as a formula (the writers
    # need not look at them again)
    formula_free: frozenset[str] = frozenset()
    status_counts: dict[str, int] = field(default_factory=dict)  # rows of each status (match, over, …)
    # the title of each summary table (by key of ``summaries``); a report table's own column
    # titles (the task column of a task table) and the title of ``texts``, from the rule pack
    summary_titles: dict[str, Text] = field(default_factory=dict)
    column_titles: dict[str, dict[str, Text]] = field(default_factory=dict)
    texts_title: Text | None = None
    # per contested reading (register entry, alternative): the rows and the money that change
    # (``simulate.reading_impacts``); None when not asked for
    readings: pl.DataFrame | None = None
    # the pack's report tables by key of ``summaries`` (the writers lay each out as its form), and the year
    reports: dict[str, Any] = field(default_factory=dict)
    year: int | None = None
    title: str | None = None  # how the rule pack names the tool to its users (兴县奖补): the report's titles

    @property
    def all_match(self) -> bool:
        return bool((self.rows.get_column("status") == "match").all())


# a roster column whose header is one of the report's own titles (状态, 序号 …) keeps its header, marked so
INPUT_MARK = Text(zh="（原表）", en=" (input)")

COLUMN_TITLES: dict[str, Text] = {
    "row": Text(zh="行号", en="row"),
    "township": Text(zh="乡镇", en="township"),
    "village": Text(zh="村", en="village"),
    "name": Text(zh="姓名", en="name"),
    "id_number": Text(zh="身份证号", en="id_number"),
    "subject_raw": Text(zh="主体类型", en="subject"),
    "category_raw": Text(zh="农户类型", en="category"),
    "rule": Text(zh="规则编号", en="rule"),
    "rule_name": Text(zh="奖补项目", en="rule name"),
    "rule_raw": Text(zh="项目（原填）", en="rule as written"),
    "project": Text(zh="项目标签", en="project"),
    "claimed": Text(zh="申报金额（元）", en="claimed (yuan)"),
    "award": Text(zh="核定金额（元）", en="recomputed (yuan)"),
    "diff": Text(zh="差额（申报−核定，元）", en="difference (claimed − recomputed)"),
    "status": Text(zh="状态", en="status"),
    "reason": Text(zh="原因", en="reason"),
    "basis": Text(zh="核验依据", en="what was checked"),
    "notes": Text(zh="读法说明", en="how cells were read"),
    "file": Text(zh="文件", en="file"),
    "column": Text(zh="列", en="column"),
    "kind": Text(zh="类别", en="kind"),
    "message": Text(zh="说明", en="message"),
    "rows": Text(zh="行数", en="rows"),
    "match_rows": Text(zh="一致行数", en="rows matching"),
    "problem_rows": Text(zh="问题行数", en="rows with problems"),
    "claimed_fen": Text(zh="申报金额合计（元）", en="claimed total (yuan)"),
    "award_fen": Text(zh="核定金额合计（元）", en="recomputed total (yuan)"),
    "diff_fen": Text(zh="差额合计（元）", en="difference total (yuan)"),
    "uncompared_rows": Text(zh="未能比对行数", en="rows not compared"),
    "uncompared_claimed_fen": Text(zh="未能比对行的申报金额（元）", en="claimed on rows not compared (yuan)"),
    "uncompared_award_fen": Text(zh="未能比对行的核定金额（元）", en="recomputed on rows not compared (yuan)"),
    "households": Text(zh="申请户数", en="households applying"),
    "total_wan": Text(zh="共需奖补资金（万元）", en="total (万元)"),
    "claimed_rows": Text(zh="申报行数", en="rows claimed"),
    "completed": Text(zh="核定完成户数", en="households completed (paid)"),
    "completion": Text(zh="完成率", en="completion"),
    "entry": Text(zh="解释编号", en="entry"),
    "title": Text(zh="争议问题", en="question"),
    "alternative": Text(zh="另一种理解", en="alternative"),
    "label": Text(zh="读法", en="reading"),
    "rows_changed": Text(zh="金额或状态改变的行数", en="rows that change"),
    "base_fen": Text(zh="现读法金额（元）", en="under the register's reading (yuan)"),
    "variant_fen": Text(zh="另一种理解金额（元）", en="under the alternative (yuan)"),
    "change_fen": Text(zh="变化（元）", en="change (yuan)"),
}
# the columns that hold money in 分 (written as 元: exact text in CSV and JSON, a number in a workbook)
MONEY_COLUMNS = frozenset({"claimed", "award", "diff", "claimed_fen", "award_fen", "diff_fen", "base_fen", "variant_fen", "change_fen",
                           "uncompared_claimed_fen", "uncompared_award_fen"})
READINGS_TITLE = Text(zh="争议口径影响", en="contested readings")
KIND_TITLES = {
    "bad_input": Text(zh="输入有误", en="input error"),
    "cross": Text(zh="跨行核查", en="cross-row check"),
    "total": Text(zh="合计不符", en="total does not add up"),
    **STATUSES,
}


def yuan_text(fen: int | None) -> str:
    """An amount in 分 as 元 with thousands separators: 123456 → 1,234.56; None → —."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"
