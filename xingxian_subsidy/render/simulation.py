"""Show a simulation (``audit.simulate``): a terminal summary, an .xlsx with charts, JSON with the
same figures, and a PNG chart for the terminal user.

Money is integer 分 throughout and is written as exact decimal text (JSON) or as a number with a
money format (xlsx). 身份证号 are masked unless asked; text a spreadsheet would run as a formula
is neutralised. Every file is written to a temporary file beside it and then renamed (a reader
never sees half a file), and never over the roster it was computed from.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import polars as pl

from ..audit.cells import neutralise
from ..audit.identity import mask_expr
from ..audit.report import yuan_text
from ..audit.simulate import Simulation
from ..core.errors import InputError, Problem
from .diff import diff_markdown

__all__ = ["COLUMNS", "TABLE_TITLES", "simulation_json", "simulation_rich", "write_chart", "write_simulation"]

TABLE_TITLES = {
    "by_township": {"zh": "按乡镇", "en": "by township"},
    "by_village": {"zh": "按村", "en": "by village"},
    "by_rule": {"zh": "按奖补项目", "en": "by subsidy"},
    "by_tier": {"zh": "按档次", "en": "by tier"},
    "changed": {"zh": "变化明细", "en": "changed rows"},
}
COLUMNS = {
    "row": ("行号", "row"), "township": ("乡镇", "township"), "village": ("村", "village"), "name": ("姓名", "name"),
    "id_number": ("身份证号", "id number"), "rule": ("规则编号", "rule"), "rule_name": ("奖补项目", "subsidy"),
    "rows": ("行数", "rows"), "rows_changed": ("变化行数", "rows changed"),
    "base_fen": ("基准金额（元）", "base (yuan)"), "variant_fen": ("变体金额（元）", "variant (yuan)"), "change_fen": ("变化（元）", "change (yuan)"),
    "base_status": ("基准状态", "base status"), "variant_status": ("变体状态", "variant status"),
    "base_tier": ("基准档次", "base tier"), "variant_tier": ("变体档次", "variant tier"),
}
COUNTS = {
    "rows_gain": ("增加的行", "rows that gain"), "rows_lose": ("减少的行", "rows that lose"), "rows_unchanged": ("不变的行", "rows unchanged"),
    "rows_input_error": ("输入有误的行（两边均不计）", "rows with an input error (counted in neither)"),
    "rows_status_changed": ("状态改变的行", "rows whose status changes"),
    "households_gain": ("增加的户（申请人）", "households (applicants) that gain"), "households_lose": ("减少的户", "households that lose"),
    "households_unchanged": ("不变的户", "households unchanged"),
    "rows_recomputed_by_variant": ("变体重算的行（其余行不受影响）", "rows the variant recomputed (no other row can move)"),
}
STATUS = {"awarded": ("予以奖补", "awarded"), "limited": ("受限", "limited"), "ineligible": ("不符合条件", "not eligible"),
          "excluded": ("不予补贴", "excluded"), "undecided": ("待补充", "undecided"), "not_quantified": ("文件未量化", "not quantified")}
_MONEY = ("base_fen", "variant_fen", "change_fen")
_CHANGED_COLS = ["row", "township", "village", "name", "id_number", "rule", "rule_name", "base_status", "variant_status",
                 "base_tier", "variant_tier", "base_fen", "variant_fen", "change_fen"]


def _l(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _changed(sim: Simulation, show_id: bool, lang: str) -> pl.DataFrame:
    ch = sim.changed.select(_CHANGED_COLS)
    status = {k: _l(v, lang) for k, v in STATUS.items()}
    return ch.with_columns(
        (pl.col("id_number") if show_id else mask_expr("id_number")).alias("id_number"),
        pl.col("base_status").replace_strict(status, default=None), pl.col("variant_status").replace_strict(status, default=None))


def _yuan_exprs(df: pl.DataFrame) -> list[pl.Expr]:
    out = []
    for c in _MONEY:
        if c in df.columns:
            v, a = pl.col(c), pl.col(c).abs()
            out.append(pl.when(v.is_null()).then(None).otherwise(
                pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")) + (a // 100).cast(pl.String) + pl.lit(".")
                + (a % 100).cast(pl.String).str.pad_start(2, "0")).alias(c.replace("_fen", "_yuan")))
    return out


def _as_yuan(df: pl.DataFrame) -> pl.DataFrame:
    """Money columns (分) as exact decimal text in 元, named ``*_yuan``, in place."""
    exprs = _yuan_exprs(df)
    return df.with_columns(exprs).select([c.replace("_fen", "_yuan") if c in _MONEY else c for c in df.columns])


def _titled(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    return df.rename({c: _l(COLUMNS[c], lang) for c in df.columns if c in COLUMNS})


def simulation_json(sim: Simulation, *, show_id: bool = False, lang: str = "zh") -> str:
    """Every figure of the simulation as JSON: amounts as exact decimal text in 元."""
    head = {
        "stamp": sim.stamp,
        "totals": {(k.replace("_fen", "_yuan") if k.endswith("_fen") else k): (yuan_text(v).replace(",", "") if k.endswith("_fen") else v)
                   for k, v in sim.totals.items()},
        "counts": sim.counts,
        "tables": {k: _as_yuan(df).to_dicts() for k, df in sim.tables.items()},
        "differences": [{"kind": e.kind, "key": e.key, "field": e.field, "change": e.change, "base": e.before, "variant": e.after} for e in sim.differences],
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    ch = _changed(sim, show_id, lang)
    rows = _as_yuan(ch).write_json() if ch.height else "[]"
    return text[:-2] + ',\n  "changed_rows": ' + rows + "\n}\n"


def simulation_rich(sim: Simulation, lang: str = "zh", top: int = 15) -> Any:
    """The terminal summary: totals, counts, the change by township and by subsidy, the first changed rows."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    zh = lang == "zh"
    t = sim.totals
    head = Text((f"基准：{sim.stamp['base']}（{sim.stamp['base_year']} 年）\n变体：{sim.stamp['variant']}（{sim.stamp['variant_year']} 年）\n"
                 f"合计：基准 {yuan_text(t['base_fen'])} 元 → 变体 {yuan_text(t['variant_fen'])} 元，变化 {yuan_text(t['change_fen'])} 元") if zh else
                (f"base: {sim.stamp['base']} ({sim.stamp['base_year']})\nvariant: {sim.stamp['variant']} ({sim.stamp['variant_year']})\n"
                 f"total: base {yuan_text(t['base_fen'])} → variant {yuan_text(t['variant_fen'])} yuan, change {yuan_text(t['change_fen'])}"), style="bold")
    counts = Table(show_header=False, box=None)
    for k, label in COUNTS.items():
        counts.add_row(_l(label, lang), str(sim.counts.get(k, 0)))
    parts: list[Any] = [head, counts]
    for key, first in (("by_township", ["township"]), ("by_rule", ["rule_name"])):
        df = sim.tables[key]
        table = Table(title=_l((TABLE_TITLES[key]["zh"], TABLE_TITLES[key]["en"]), lang))
        cols = [*first, "rows", "rows_changed", *_MONEY]
        for c in cols:
            table.add_column(_l(COLUMNS[c], lang), justify="right" if c not in first else "left")
        for rec in df.select(cols).iter_rows():
            table.add_row(*[yuan_text(v) if c in _MONEY else str(v) for c, v in zip(cols, rec)])
        parts.append(table)
    ch = _changed(sim, False, lang)
    if ch.height:
        table = Table(title=(f"变化明细（前 {min(top, ch.height)} 行，共 {ch.height} 行）" if zh else f"changed rows (first {min(top, ch.height)} of {ch.height})"))
        cols = ["row", "name", "rule_name", "base_tier", "variant_tier", *_MONEY]
        for c in cols:
            table.add_column(_l(COLUMNS[c], lang))
        for rec in ch.head(top).select(cols).iter_rows():
            table.add_row(*[yuan_text(v) if c in _MONEY else ("" if v is None else str(v)) for c, v in zip(cols, rec)])
        parts.append(table)
    return Group(*parts)


# ------------------------------------------------------------------------------ files


def _atomic(path: Path, write: Callable[[Path], None], inputs: list[Path]) -> None:
    """Write through a temporary file beside ``path``, then rename; never over an input."""
    path = Path(path)
    for src in inputs:
        try:
            if path.exists() and src.exists() and path.resolve() == src.resolve():
                raise InputError([Problem(source=str(path), message={"zh": "输出文件不能覆盖输入文件", "en": "the output must not overwrite an input"})])
        except OSError:
            continue
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=str(path.parent if str(path.parent) else "."))
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_simulation(sim: Simulation, out: Path | str, *, lang: str = "zh", show_id: bool = False, inputs: list[Path] = ()) -> Path:  # type: ignore[assignment]
    """Write the simulation by suffix: .xlsx (tables with charts) or .json."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".json":
        _atomic(out, lambda p: p.write_text(simulation_json(sim, show_id=show_id, lang=lang), encoding="utf-8"), list(inputs))
    elif suffix == ".xlsx":
        _atomic(out, lambda p: _write_xlsx(sim, p, lang, show_id), list(inputs))
    else:
        raise InputError([Problem(source=str(out), message={"zh": f"不支持的输出类型“{suffix}”；应为 .xlsx 或 .json",
                                                            "en": f"unsupported output type {suffix!r}; expected .xlsx or .json"})])
    return out


def _write_xlsx(sim: Simulation, path: Path, lang: str, show_id: bool) -> None:
    import xlsxwriter

    zh = lang == "zh"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    money = wb.add_format({"num_format": "#,##0.00;[Red]-#,##0.00"})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    def table(ws, df: pl.DataFrame, first: int = 0) -> int:
        for j, c in enumerate(df.columns):
            ws.write_string(first, j, _l(COLUMNS[c], lang) if c in COLUMNS else c, head)
            ws.set_column(j, j, 30 if c in ("rule", "rule_name") else 14)
        for i, rec in enumerate(df.iter_rows(), start=first + 1):
            for j, (c, v) in enumerate(zip(df.columns, rec)):
                if v is None:
                    continue
                if c in _MONEY:
                    ws.write_number(i, j, int(v) / 100, money)  # to 2 decimals this reads back exactly
                elif isinstance(v, int):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(neutralise(str(v))))
        return first + df.height + 1

    def chart(ws, df: pl.DataFrame, cat_col: str, title: str, at: str) -> None:
        n = df.height
        if not n:
            return
        cat = df.columns.index(cat_col)
        val = df.columns.index("change_fen")
        ch = wb.add_chart({"type": "bar"})
        ch.add_series({"name": _l(COLUMNS["change_fen"], lang), "categories": [ws.get_name(), 1, cat, n, cat],
                       "values": [ws.get_name(), 1, val, n, val], "invert_if_negative": True})
        ch.set_title({"name": title})
        ch.set_legend({"none": True})
        ch.set_size({"width": 720, "height": max(288, 24 * n + 96)})
        ws.insert_chart(at, ch)

    ws = wb.add_worksheet("概要" if zh else "summary")
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 90)
    t = sim.totals
    lines: list[tuple[str, Any]] = [
        ("基准" if zh else "base", f"{sim.stamp['base']}（{sim.stamp['base_year']}）"),
        ("变体" if zh else "variant", f"{sim.stamp['variant']}（{sim.stamp['variant_year']}）"),
        ("基准合计（元）" if zh else "base total (yuan)", t["base_fen"]),
        ("变体合计（元）" if zh else "variant total (yuan)", t["variant_fen"]),
        ("变化（元）" if zh else "change (yuan)", t["change_fen"]),
    ] + [(_l(label, lang), sim.counts.get(k, 0)) for k, label in COUNTS.items()] + [
        ("输入文件" if zh else "input file", sim.stamp["input_file"]),
        ("输入文件 SHA-256" if zh else "input SHA-256", sim.stamp["input_sha256"]),
        ("生成时间（UTC）" if zh else "generated (UTC)", sim.stamp["generated_at"]),
        ("取整规则" if zh else "rounding", sim.stamp["rounding"]),
    ]
    for i, (k, v) in enumerate(lines):
        ws.write_string(i, 0, k, bold)
        if isinstance(v, int) and ("（元）" in k or "(yuan)" in k):
            ws.write_number(i, 1, v / 100, money)
        elif isinstance(v, int):
            ws.write_number(i, 1, v)
        else:
            ws.write_string(i, 1, str(neutralise(v)), wrap)

    for key in ("by_township", "by_village", "by_rule", "by_tier"):
        df = sim.tables[key]
        ws = wb.add_worksheet(TABLE_TITLES[key][lang])
        ws.freeze_panes(1, 0)
        table(ws, df)
        if key == "by_township":
            chart(ws, df.filter(pl.col("township") != ("合计" if zh else "total")), "township", "变化按乡镇（元）" if zh else "change by township (yuan)", "J2")
        elif key == "by_rule":
            chart(ws, df, "rule_name", "变化按奖补项目（元）" if zh else "change by subsidy (yuan)", "J2")
    ws = wb.add_worksheet(TABLE_TITLES["changed"][lang])
    ws.freeze_panes(1, 0)
    table(ws, _changed(sim, show_id, lang))
    ws = wb.add_worksheet("规则差异" if zh else "rule differences")
    ws.set_column(0, 0, 100)
    for i, line in enumerate(diff_markdown(sim.differences, sim.stamp["base"], sim.stamp["variant"], lang).splitlines()):
        ws.write_string(i, 0, str(neutralise(line)))
    wb.close()


_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
              "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC")


def write_chart(sim: Simulation, out: Path | str, *, lang: str = "zh", inputs: list[Path] = ()) -> bool:  # type: ignore[assignment]
    """A PNG of the change by township and by subsidy (matplotlib, imported here).

    Returns:
        Whether a font that shows Chinese was found (without one, Chinese names show as boxes).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [f for f in _CJK_FONTS if f in installed]
    zh = lang == "zh"
    town = sim.tables["by_township"].filter(pl.col("township") != ("合计" if zh else "total"))
    rule = sim.tables["by_rule"].filter(pl.col("change_fen") != 0)
    panels = [(town.get_column("township").to_list(), town.get_column("change_fen").to_list(), "变化按乡镇（元）" if zh else "change by township (yuan)"),
              (rule.get_column("rule_name").fill_null(rule.get_column("rule")).to_list(), rule.get_column("change_fen").to_list(),
               "变化按奖补项目（元）" if zh else "change by subsidy (yuan)")]
    with plt.rc_context({"font.sans-serif": [*cjk, "DejaVu Sans"], "axes.unicode_minus": False}):
        height = max(3.0, 0.35 * (len(panels[0][0]) + len(panels[1][0])) + 2.5)
        fig, axes = plt.subplots(2, 1, figsize=(9, height), constrained_layout=True)
        for ax, (labels, fen, title) in zip(axes, panels):
            values = [f / 100 for f in fen]  # for drawing only: every figure in the files is exact
            ax.barh(range(len(values)), values, color=["#2e7d32" if v >= 0 else "#c62828" for v in values])
            ax.set_yticks(range(len(values)), labels)
            ax.invert_yaxis()
            ax.axvline(0, color="#555", linewidth=0.8)
            ax.set_title(title)
            for i, (v, f) in enumerate(zip(values, fen)):
                ax.annotate(yuan_text(f), (v, i), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                            ha="left" if v >= 0 else "right", va="center", fontsize=8)
        t = sim.totals
        fig.suptitle(("合计变化 " if zh else "total change ") + yuan_text(t["change_fen"]) + (" 元" if zh else " yuan"))
        _atomic(Path(out), lambda p: fig.savefig(p, format="png", dpi=120), list(inputs))
        plt.close(fig)
    return bool(cjk)
