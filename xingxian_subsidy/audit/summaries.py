"""The summaries of an audit: totals by township, village and subsidy, and the report tables the
rule pack declares (``reports:`` of a document file — for 兴县 2024 the 附件7 tier table with the
sentence each township files and the 附件2 toilet task table; for a 公示 such as 偏城乡 2025's,
the households and amounts by group of rules, with the sentence it is published as)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from ..core.money import num_text
from ..pack.formulas import TierTable
from ..pack.loader import YearRules
from ..pack.models import RuleGroupReport, TaskTable, TierReport

__all__ = ["merge_summary_parts", "summaries_from_parts", "summary_parts", "tier_labels", "wan_text"]


def tier_labels(st: pl.DataFrame, placed: pl.Series) -> pl.Series:
    """Tier label (一档…) of the paid rows (awarded or limited) of tier_table rules: the tier each
    row's line was placed in (``compute.Computed.tier``, by the vectorised path or the reference
    engine). A tier table on the household's total (``basis: applicant``) places the household's
    tier on the one line paid, so the 附件7 table counts each household once, in its tier."""
    paid = st.get_column("line_status").is_in(["awarded", "limited"]).fill_null(False)
    return pl.select(pl.when(paid).then(placed)).to_series().alias("tier")


def wan_text(fen: int) -> str:
    """分 → 万元, exact (6 decimals, trailing zeros kept to 4)."""
    d = Decimal(fen) / Decimal(1000000)
    text = f"{d:.6f}".rstrip("0")
    if "." in text and len(text.split(".")[1]) < 4:
        text = f"{d:.4f}"
    return text


def summary_parts(st: pl.DataFrame, yr: YearRules, lang: str) -> list[pl.DataFrame]:
    """The summaries (by township, village and subsidy, then each report table of the pack) as the
    sums they are made of (``summaries_from_parts`` makes the tables): groups of
    rows with their sums, households counted per applicant (``aid``), and each group's first row
    (``first_row``) for the order the rows first show them. The parts of rosters whose applicants
    are apart (each applicant's rows in one of them) add up: :func:`merge_summary_parts`."""
    unknown = "（未填）" if lang == "zh" else "(blank)"
    by_file = "file" in st.columns
    # amounts summed as Int128: 93 claims of 999,999,999,999,999 元 would wrap an Int64 of 分
    cols = ["row", "township", "village", "rule", "rule_raw", "status", "claimed_fen", "award_fen", "diff_fen", "aid", "tier"] + (["file"] if by_file else [])
    s = st.lazy().select(cols).with_columns(
        pl.col("claimed_fen", "award_fen", "diff_fen").cast(pl.Int128),
        pl.col("township").fill_null(unknown), pl.col("village").fill_null(unknown),
        pl.col("rule").fill_null(pl.col("rule_raw")).fill_null(unknown))
    if not by_file:
        s = s.with_columns(pl.lit("", dtype=pl.String).alias("file"))
    # every table of the summaries in one polars run (shared scans, both cores); the totals by
    # file, township, village, subsidy and status are sums, so one pass over the rows groups them
    # by all five and the tables add those groups up (groups kept in the order the rows first show
    # them). 申报, 核定 and 差额 are summed over the rows that have both (差额合计 = 申报合计 −
    # 核定合计 on every table and on screen); the rows lacking either are counted apart.
    compared = pl.col("diff_fen").is_not_null()
    first_row = pl.col("row").min().alias("first_row")
    queries = [
        s.group_by(_GROUP_KEYS, maintain_order=True).agg(
            pl.len().alias("rows"), pl.col("claimed_fen").filter(compared).sum(), pl.col("award_fen").filter(compared).sum(),
            pl.col("diff_fen").sum(), (~compared).sum().alias("uncompared_rows"),
            pl.col("claimed_fen").filter(~compared).sum().alias("uncompared_claimed_fen"),
            pl.col("award_fen").filter(~compared).sum().alias("uncompared_award_fen"), first_row),
    ]
    for _, (doc, report) in yr.reports.items():  # three queries per report table
        if isinstance(report, RuleGroupReport):
            paid = s.filter(pl.col("rule").is_in([r for g in report.groups for r in g.rules]) & (pl.col("award_fen") > 0))
            queries += [
                paid.group_by("rule").agg(pl.col("aid").n_unique().alias("households"), pl.col("award_fen").sum()),
                paid.select("rule", "aid").unique(),
                paid.select(pl.col("village").unique().implode().alias("villages"), pl.col("aid").n_unique().alias("households"),
                            pl.col("award_fen").sum()),
            ]
        elif isinstance(report, TierReport):
            cy = s.filter(pl.col("rule").is_in(report.rules))
            # one tier per household (附件7 counts households per 档): its paid rows' tier — the tier of
            # its highest-paid row if readings placed them apart — and its whole award
            households = cy.filter((pl.col("award_fen") > 0) & pl.col("tier").is_not_null()).group_by(["township", "aid"], maintain_order=True).agg(
                pl.col("tier").sort_by("award_fen", descending=True, maintain_order=True).first(), pl.col("award_fen").sum())
            queries += [
                cy.group_by("township").agg(pl.col("aid").n_unique()),
                households.group_by(["township", "tier"]).agg(pl.len().alias("aid"), pl.col("award_fen").sum()),
                cy.group_by("township", maintain_order=True).agg(first_row),
            ]
        else:
            tl = s.filter(pl.col("rule").is_in(yr.task(doc, report.task).rules))
            queries += [
                tl.group_by("township", maintain_order=True).agg(first_row),
                tl.filter(pl.col("award_fen") > 0).group_by(["township", "rule"]).agg(pl.col("aid").n_unique()),
                tl.group_by("township").agg(pl.len(), pl.col("award_fen").sum()),
            ]
    return pl.collect_all(queries)


_GROUP_KEYS = ["file", "township", "village", "rule", "status"]


def merge_summary_parts(parts: list[list[pl.DataFrame]], yr: YearRules) -> list[pl.DataFrame]:
    """The :func:`summary_parts` of a roster from those of its pieces, when each applicant's rows
    are all in one piece (its ``aid`` numbers its own applicants): sums added, households (counted
    per applicant) added, villages and applicant sets united, groups in the order of their first row."""
    if len(parts) == 1:
        return parts[0]

    def stacked(k: int) -> pl.DataFrame:
        return pl.concat([p[k] for p in parts], how="vertical_relaxed")

    def ordered(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return df.group_by(keys).agg(pl.exclude("first_row").sum(), pl.col("first_row").min()).sort("first_row")

    out = [ordered(stacked(0), _GROUP_KEYS).select(parts[0][0].columns)]
    for k, (_, (_, report)) in enumerate(yr.reports.items()):
        a, b, c = (1 + 3 * k + j for j in range(3))
        if isinstance(report, RuleGroupReport):
            offsets = [0]
            for p in parts[:-1]:  # each piece numbers its applicants from 0: set them apart
                offsets.append(offsets[-1] + int(p[b].get_column("aid").max() or 0) + 1)
            pairs = pl.concat([p[b].with_columns(pl.col("aid").cast(pl.Int64) + off) for p, off in zip(parts, offsets)])
            total = stacked(c).select(pl.col("villages").explode().drop_nulls().unique().implode(), pl.col("households").sum(), pl.col("award_fen").sum())
            out += [stacked(a).group_by("rule").agg(pl.col("households").sum(), pl.col("award_fen").sum()), pairs, total]
        elif isinstance(report, TierReport):
            out += [stacked(a).group_by("township").agg(pl.col("aid").sum()),
                    stacked(b).group_by(["township", "tier"]).agg(pl.col("aid").sum(), pl.col("award_fen").sum()),
                    ordered(stacked(c), ["township"])]
        else:
            out += [ordered(stacked(a), ["township"]),
                    stacked(b).group_by(["township", "rule"]).agg(pl.col("aid").sum()),
                    stacked(c).group_by("township").agg(pl.all().sum())]
    return out


def summaries_from_parts(results: list[pl.DataFrame], yr: YearRules, lang: str,
                         by_file: bool) -> tuple[dict[str, pl.DataFrame], list[str], dict[str, int]]:
    """The summary tables (a table by file when ``by_file``), texts and status counts from :func:`summary_parts`."""
    groups = results[0]
    agg = [
        pl.col("rows").sum().cast(pl.UInt32).alias("rows"),
        pl.col("rows").filter(pl.col("status") == "match").sum().cast(pl.UInt32).alias("match_rows"),
        pl.col("rows").filter(pl.col("status") != "match").sum().cast(pl.UInt32).alias("problem_rows"),
        pl.col("claimed_fen").sum(), pl.col("award_fen").sum(), pl.col("diff_fen").sum(),
        pl.col("uncompared_rows").sum().cast(pl.UInt32), pl.col("uncompared_claimed_fen").sum(), pl.col("uncompared_award_fen").sum(),
    ]
    total_label = "合计" if lang == "zh" else "total"
    total_raw = groups.select(agg)

    def with_total(df: pl.DataFrame, key: str) -> pl.DataFrame:
        return pl.concat([df, total_raw.with_columns(pl.lit(total_label).alias(key))], how="diagonal_relaxed").select(df.columns)

    by_town = with_total(groups.group_by("township", maintain_order=True).agg(agg), "township")
    by_village = with_total(groups.group_by(["township", "village"], maintain_order=True).agg(agg), "township")
    by_rule_raw = groups.group_by("rule", maintain_order=True).agg(agg)
    status_counts = {st_: c for st_, c in groups.group_by("status").agg(pl.col("rows").sum()).iter_rows()}
    names = {rid: r.name.get(lang) for rid, r in yr.rules.items()}
    by_rule = with_total(by_rule_raw.with_columns(
        pl.col("rule").replace_strict(names, default=None).alias("rule_name")).select(["rule", "rule_name", *[a.meta.output_name() for a in agg]]), "rule")
    summaries = {"by_township": by_town, "by_village": by_village, "by_rule": by_rule}
    if by_file:  # several files: a line per file, then the county
        summaries = {"by_file": with_total(groups.group_by("file", maintain_order=True).agg(agg), "file"), **summaries}

    texts: list[str] = []
    for k, (rid, (doc, report)) in enumerate(yr.reports.items()):
        parts = results[1 + 3 * k: 4 + 3 * k]
        if isinstance(report, RuleGroupReport):
            summaries[rid], more = _rule_group_table(report, yr, lang, *parts)
            texts += more
        elif isinstance(report, TierReport):
            summaries[rid], more = _tier_table(report, yr, lang, *parts)
            texts += more
        else:
            summaries[rid] = _task_table(yr.task(doc, report.task), yr, lang, *parts)
    return summaries, texts, status_counts


def _tier_table(report: TierReport, yr: YearRules, lang: str, applied_df: pl.DataFrame, by_tier_df: pl.DataFrame,
                towns_df: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Per township: households applying, households and 万元 by tier, total (the 附件7 layout)."""
    labels: list[str] = []
    for rid in report.rules:
        f = yr.rules[rid].formula
        assert isinstance(f, TierTable)
        labels += [t.label.zh for t in f.tiers if t.label.zh not in labels]
    rows = []
    texts = []
    applied = dict(applied_df.iter_rows())
    by_tier = {(t, lb): (h, f) for t, lb, h, f in by_tier_df.iter_rows()}
    for town in towns_df.get_column("township").to_list():
        row: dict[str, Any] = {"township": town, "households": applied[town]}
        paid_total = 0
        for label in labels:
            h, fen = by_tier.get((town, label), (0, 0))
            row[f"{label}_households"] = h
            row[f"{label}_wan"] = wan_text(int(fen))
            paid_total += int(fen)
        row["total_wan"] = wan_text(paid_total)
        rows.append(row)
        if report.text is not None and report.tier_text is not None:
            sep = "；" if lang == "zh" else "; "
            parts = sep.join(report.tier_text.get(lang).format(tier=lb, households=row[f"{lb}_households"], wan=row[f"{lb}_wan"])
                             for lb in labels)
            texts.append(report.text.get(lang).format(township=town, year=yr.year, households=row["households"], tiers=parts,
                                                      total_wan=row["total_wan"]))
    if rows:  # the county's 合计 row: the sum of the townships'
        total: dict[str, Any] = {"township": "合计" if lang == "zh" else "total", "households": sum(r["households"] for r in rows)}
        fen_total = 0
        for label in labels:
            total[f"{label}_households"] = sum(r[f"{label}_households"] for r in rows)
            fen = sum(int(by_tier.get((r["township"], label), (0, 0))[1]) for r in rows)
            total[f"{label}_wan"] = wan_text(fen)
            fen_total += fen
        total["total_wan"] = wan_text(fen_total)
        rows.append(total)
    table = pl.DataFrame(rows) if rows else pl.DataFrame({"township": []}, schema={"township": pl.String})
    return table, texts


def _yuan_words(fen: int) -> str:
    """分 → 元 as a 公示 writes it: 832325, 1875.5."""
    return num_text(Decimal(fen) / 100)


def _rule_group_table(report: RuleGroupReport, yr: YearRules, lang: str, by_rule_df: pl.DataFrame, pairs_df: pl.DataFrame,
                      total_df: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Per group of rules, then per rule: the households paid (each once in its group) and the
    amount; a total row; and the sentence the report is published as, from the pack's wording."""
    by_rule = {r: (h, int(f or 0)) for r, h, f in by_rule_df.iter_rows()}
    pairs = pairs_df.group_by("rule").agg(pl.col("aid")).iter_rows()
    aids = {r: set(a) for r, a in pairs}
    total_label = "合计" if lang == "zh" else "total"
    rows: list[dict[str, Any]] = []
    group_texts: list[str] = []
    sep = "；" if lang == "zh" else "; "
    for g in report.groups:
        households = len(set().union(*(aids.get(r, set()) for r in g.rules)))
        fen = sum(by_rule.get(r, (0, 0))[1] for r in g.rules)
        rows.append({"item": g.label.get(lang), "households": households, "award_fen": fen})
        rule_texts = []
        for rid in g.rules:
            h, f = by_rule.get(rid, (0, 0))
            name = yr.rules[rid].name.get(lang)
            rows.append({"item": ("　" if lang == "zh" else "  ") + name, "households": h, "award_fen": f})
            if report.rule_text is not None and h:
                rule_texts.append(report.rule_text.get(lang).format(rule=name, households=h, yuan=_yuan_words(f)))
        if report.group_text is not None:
            group_texts.append(report.group_text.get(lang).format(group=g.label.get(lang), households=households, yuan=_yuan_words(fen),
                                                                   rules=sep.join(rule_texts)))
    villages, households, fen = total_df.row(0) if total_df.height else ([], 0, 0)
    villages = len(villages or [])
    rows.append({"item": total_label, "households": int(households or 0), "award_fen": int(fen or 0)})
    texts = []
    if report.text is not None:
        texts.append(report.text.get(lang).format(year=yr.year, villages=int(villages or 0), households=int(households or 0),
                                                  yuan=_yuan_words(int(fen or 0)), groups="".join(group_texts)))
    return pl.DataFrame(rows, schema={"item": pl.String, "households": pl.Int64, "award_fen": pl.Int64}), texts


def _task_table(table: TaskTable, yr: YearRules, lang: str, towns_df: pl.DataFrame, done_df: pl.DataFrame,
                per_town_df: pl.DataFrame) -> pl.DataFrame:
    """Per township: the task, paid claims by rule, claims, completed and the completion rate (the 附件2 layout)."""
    rows: list[dict[str, Any]] = []
    towns = list(table.values) + [t for t in towns_df.get_column("township").to_list() if t not in table.values]
    done_by = {(t, r): k for t, r, k in done_df.iter_rows()}
    per_town = {t: (n_rows, f) for t, n_rows, f in per_town_df.iter_rows()}
    for town in towns:
        row = {"township": town, "task": table.values.get(town)}
        done_total = 0
        for rid in table.rules:
            k = done_by.get((town, rid), 0)
            row[yr.rules[rid].name.get(lang)] = k
            done_total += k
        n_rows, fen = per_town.get(town, (0, 0))
        row["claimed_rows"] = n_rows
        row["completed"] = done_total
        task = table.values.get(town)
        row["completion"] = f"{Decimal(done_total * 100) / Decimal(task):.1f}%" if task else None
        row["award_fen"] = int(fen or 0)
        rows.append(row)
    tot = {"township": "合计" if lang == "zh" else "total", "task": table.total}
    for rid in table.rules:
        nm = yr.rules[rid].name.get(lang)
        tot[nm] = sum(r[nm] for r in rows)
    tot["claimed_rows"] = sum(r["claimed_rows"] for r in rows)
    tot["completed"] = sum(r["completed"] for r in rows)
    tot["completion"] = f"{Decimal(tot['completed'] * 100) / Decimal(table.total):.1f}%"
    tot["award_fen"] = sum(r["award_fen"] for r in rows)
    rows.append(tot)
    return pl.DataFrame(rows)
