"""Variants (issue 14): overlays, ``rules diff`` and ``simulate``.

A variant that changes nothing changes nothing, byte for byte; the total change is the sum of the
row changes; raising a rate never lowers a household's award, a cap never raises one; the diff of a
year with itself is empty and B→A is the inverse of A→B; the rows a simulation does not recompute
could not have moved.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.read import read_roster, roster_from_frame
from xingxian_subsidy.audit.simulate import simulate
from xingxian_subsidy.audit.writers import write_report
from xingxian_subsidy.cli import app
from xingxian_subsidy.core.errors import RuleDataError
from xingxian_subsidy.pack.diff import diff_years, rules_moved
from xingxian_subsidy.pack.formulas import FirstPlusAdditional, Fixed, PerUnit, ShareOfCost, TierTable, value_parameters
from xingxian_subsidy.pack.loader import load_rules, variant
from xingxian_subsidy.pack.overlay import SetParam, parse_reading, parse_set, read_overlay
from xingxian_subsidy.pack.quotes import check_quotes

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "roster_蔡家崖乡_2024.xlsx"
EXAMPLE = ROOT / "examples" / "variant_2025" / "overlay.yaml"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


PACK = load_rules(ROOT / "rules")


@pytest.fixture(scope="module")
def roster():
    return read_roster(ROSTER)


@pytest.fixture(scope="module")
def synthetic():
    """A 3,000-row roster like the benchmark's (households with one to three rows, every tier bound)."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tempfile

    from bench_roster import generate

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.csv"
        generate(3000, path, seed=14)
        return read_roster(path)


def _overlay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(text, encoding="utf-8")
    return path


EMPTY = "overlay: {id: nothing, title: {zh: 无变化, en: nothing}, base_year: 2024}\nchanges: []\n"


# ------------------------------------------------------------------------------ overlays


def test_an_overlay_that_changes_nothing_changes_nothing_byte_for_byte(pack, roster, tmp_path):
    vpack, vyr = variant(pack, overlay=_overlay(tmp_path, EMPTY))
    assert diff_years(pack.for_year(2024), vyr) == []
    sim = simulate(roster, pack, pack.for_year(2024), vyr, vpack)
    assert sim.totals["change_fen"] == 0 and sim.changed.height == 0
    assert sim.counts["rows_recomputed_by_variant"] == 0
    # the audit under the variant writes the very same report (its stamp aside)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_report(audit(roster, pack), a)
    write_report(audit(roster, vpack), b)
    for suffix in ("", ".issues", ".summary"):
        assert (tmp_path / f"a{suffix}.csv").read_bytes() == (tmp_path / f"b{suffix}.csv").read_bytes()
    full = simulate(roster, pack, pack.for_year(2024), vyr, vpack, full=True)
    assert full.rows.equals(sim.rows)


def test_the_example_2025_overlay_is_a_new_year_with_its_own_quotes(pack):
    vpack, vyr = variant(pack, overlay=EXAMPLE)
    assert vyr.year == 2025 and vpack.latest_year == 2025 and 2024 in vpack.years
    assert vyr.parameters["xzbf12"]["tier1_award"].value == Decimal("350")
    assert pack.for_year(2024).parameters["xzbf12"]["tier1_award"].value == Decimal("300"), "the base pack is not changed"
    prov = vyr.provenance[("xzbf12", "tier1_award")]
    assert prov.document == "example2025" and str(prov.since) == "2025-01-01" and not prov.hypothetical
    assert "example-2025-illustration" in vpack.label
    # its quotes are checked against its own (illustrative) text, beside the overlay
    assert check_quotes(vpack, years=[vyr]) == []


def test_an_overlay_quote_not_in_its_text_is_reported(pack, tmp_path):
    folder = tmp_path / "v"
    shutil.copytree(EXAMPLE.parent, folder)
    text = (folder / "overlay.yaml").read_text(encoding="utf-8")
    (folder / "overlay.yaml").write_text(text.replace("由300元调整为350元", "调整为350元整"), encoding="utf-8")
    vpack, vyr = variant(pack, overlay=folder / "overlay.yaml")
    problems = check_quotes(vpack, years=[vyr])
    assert problems and all("notice_2025_illustration" in p.source for p in problems)


def test_a_value_its_new_quote_does_not_write_is_refused(pack, tmp_path):
    path = _overlay(tmp_path, """overlay: {id: bad, title: {zh: 错, en: bad}}
changes:
  - {set: xzbf12.tier1_award, value: "360", quote: "一档奖补标准调整为350元", section: 二}
""")
    with pytest.raises(RuleDataError) as err:
        variant(pack, overlay=path)
    assert any("360" in p.message["en"] and "xzbf12.tier1_award" in (p.field or "") for p in err.value.problems)


@pytest.mark.parametrize("change, words", [
    ("{set: xzbf12.no_such, value: '1'}", "no parameter no_such"),
    ("{set: nodoc.tier1_award, value: '1'}", "no document nodoc"),
    ("{remove_rule: xzf5.nothing}", "no rule xzf5.nothing"),
    ("{remove_condition: xzf5.s3-3.cattle_shed, condition: nothing}", "has no condition nothing"),
    ("{patch_rule: xzf5.s3-3.cattle_shed, set: {caps: [{param: no_param, scope: claim}]}}", "unknown parameter no_param"),
    ("{patch_rule: xzf5.s3-3.cattle_shed, set: {colour: red}}", "no field to change named colour"),
    ("{reading: I-004, alternative: Q}", "has no alternative Q"),
    ("{frobnicate: 1}", "a change must be one of"),
])
def test_a_change_that_does_not_apply_is_named_with_its_file_and_line(pack, tmp_path, change, words):
    path = _overlay(tmp_path, f"overlay: {{id: bad, title: {{zh: 错, en: bad}}}}\nchanges:\n  - {change}\n")
    with pytest.raises(RuleDataError) as err:
        variant(pack, overlay=path)
    texts = [p.text("en") for p in err.value.problems]
    assert any(words in t for t in texts), texts
    assert any(str(path) in t for t in texts)


def test_a_year_folder_holding_an_overlay_is_the_year_before_it_changed(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    shutil.copytree(EXAMPLE.parent, rules / "2025", ignore=shutil.ignore_patterns("simulate_*"))
    pack = load_rules(rules)
    assert pack.latest_year == 2025
    yr = pack.for_year(2025)
    assert yr.parameters["xzbf12"]["tier1_award"].value == Decimal("350")
    assert pack.for_year(2024).parameters["xzbf12"]["tier1_award"].value == Decimal("300")
    assert check_quotes(pack) == []
    result = run("calc", ROOT / "examples" / "courtyard_sanlei_household.yaml", "--rules", rules, "--year", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["year"] == 2025
    # a value dated outside its year is refused
    other = tmp_path / "other"
    shutil.copytree(rules, other)
    text = (other / "2025" / "overlay.yaml").read_text(encoding="utf-8")
    (other / "2025" / "overlay.yaml").write_text(text.replace("since: 2025-01-01", "since: 2024-06-01", 1), encoding="utf-8")
    with pytest.raises(RuleDataError) as err:
        load_rules(other)
    assert any("2024-06-01" in p.text("en") for p in err.value.problems)


def test_set_and_reading_specs_are_checked():
    assert parse_set("xzbf12.tier1_award=350").value == Decimal("350")
    for bad in ("xzbf12.tier1_award", "tier1_award=350", "xzbf12.tier1_award=三百", "xzbf12.tier1_award=0.1.2"):
        with pytest.raises(RuleDataError):
            parse_set(bad)
    assert parse_reading("I-004=B").alternative == "B"
    with pytest.raises(RuleDataError):
        parse_reading("I-4=B")


# ------------------------------------------------------------------------------ rules diff


def test_rules_diff_of_a_year_with_itself_is_empty(pack):
    yr = pack.for_year(2024)
    assert diff_years(yr, yr) == []
    result = run("rules", "diff", "2024", ROOT / "rules", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["differences"] == []


def _rate_parameters(yr):
    """(document, parameter) of every value a formula pays by: rates, fixed amounts, shares, tier awards."""
    out = set()
    for rule in yr.rules.values():
        f = rule.formula
        names: list[str] = []
        if isinstance(f, PerUnit):
            names = value_parameters(f.rate)
        elif isinstance(f, Fixed):
            names = value_parameters(f.amount)
        elif isinstance(f, ShareOfCost):
            names = value_parameters(f.share)
        elif isinstance(f, TierTable):
            names = [t.award for t in f.tiers]
        elif isinstance(f, FirstPlusAdditional):
            names = [f.first, f.additional]
        out.update((rule.document.id, n) for n in names)
    return sorted(out)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_diff_b_to_a_is_the_inverse_of_a_to_b(data):
    yr = PACK.for_year(2024)
    params = _rate_parameters(yr)
    chosen = data.draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique=True))
    sets = [SetParam(set=f"{d}.{n}", value=yr.parameters[d][n].value + data.draw(st.integers(1, 500))) for d, n in chosen]
    _, other = variant(PACK, sets=sets)
    ab, ba = diff_years(yr, other), diff_years(other, yr)
    assert ab and sorted(e.inverse() for e in ab) == sorted(ba)
    assert {e.key for e in ab if e.kind == "parameter"} == {f"{d}.{n}" for d, n in chosen}


def test_rules_diff_shows_the_example_overlay_side_by_side():
    result = run("rules", "diff", "2024", EXAMPLE, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "| xzbf12.tier1_award | value | 修改 | 300 元 | 350 元 |" in result.output
    assert "| xzbf8.indoor_flush_rate | value | 修改 | 2000 元/户 | 2500 元/户 |" in result.output
    en = run("rules", "diff", "2024", EXAMPLE, "--lang", "en", "--format", "markdown")
    assert en.exit_code == 0 and "| xzbf12.tier1_award | value | changed | 300 元 | 350 元 |" in en.output
    table = run("rules", "diff", "2024", EXAMPLE)
    assert table.exit_code == 0 and "规则差异" in table.output
    bad = run("rules", "diff", "2024", "no-such-thing")
    assert bad.exit_code == 2 and "no-such-thing" in bad.output


# ------------------------------------------------------------------------------ simulate


def test_the_total_change_is_the_sum_of_the_row_changes(pack, roster):
    vpack, vyr = variant(pack, overlay=EXAMPLE)
    sim = simulate(roster, pack, pack.for_year(2024), vyr, vpack)
    rows = sim.rows
    assert sim.totals["change_fen"] == rows.get_column("change_fen").sum() == sim.totals["variant_fen"] - sim.totals["base_fen"]
    for key in ("by_village", "by_rule", "by_tier"):
        assert sim.tables[key].get_column("change_fen").sum() == rows.filter(
            pl.col("base_tier").is_not_null() | pl.col("variant_tier").is_not_null()).get_column("change_fen").sum() if key == "by_tier" \
            else sim.totals["change_fen"]
    town = sim.tables["by_township"]
    assert town.get_column("change_fen")[-1] == town.get_column("change_fen")[:-1].sum() == sim.totals["change_fen"]
    # the worked example: tier 1 +50 (three rows, one household's second line −50 under its 700 cap), indoor flush +500 × 3
    assert sim.totals["change_fen"] == 160000
    assert sim.counts["rows_gain"] == 6 and sim.counts["rows_lose"] == 1 and sim.counts["rows_input_error"] == 3
    assert sim.counts["rows_gain"] + sim.counts["rows_lose"] + sim.counts["rows_unchanged"] + sim.counts["rows_input_error"] == roster.frame.height


def _households(sim, which: str) -> dict:
    return dict(sim.rows.group_by("aid").agg(pl.col(which).fill_null(0).sum()).iter_rows())


def _alone(yr, rows: pl.DataFrame) -> pl.Series:
    """Rows of a rule that takes part in no limit across claims (their own amount is all that moves)."""
    shared = {rid for rid, r in yr.rules.items() if r.once_per_applicant or r.exclusive_group or any(c.scope != "claim" for c in r.caps)}
    return ~rows.get_column("rule").is_in(list(shared)).fill_null(True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_raising_a_rate_never_lowers_an_award(synthetic, data):
    """Per household, and per row where no limit across claims applies. (Per row under a shared
    cap it can: in the bundled roster a household's second courtyard line loses 50 when its first
    gains 50 under the 700 cap — the household's total does not fall.)"""
    yr = PACK.for_year(2024)
    d, n = data.draw(st.sampled_from(_rate_parameters(yr)))
    old = yr.parameters[d][n].value
    new = old + data.draw(st.sampled_from([Decimal("0.01"), Decimal("1"), Decimal("50"), Decimal("1000")])) * (1 if old >= 1 else Decimal("0.01"))
    vpack, vyr = variant(PACK, sets=[SetParam(set=f"{d}.{n}", value=new)])
    sim = simulate(synthetic, PACK, yr, vyr, vpack)
    base, var = _households(sim, "base_fen"), _households(sim, "variant_fen")
    assert all(var[a] >= base[a] for a in base)
    alone = sim.rows.filter(_alone(yr, sim.rows))
    assert (alone.get_column("change_fen") >= 0).all()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_cap_never_raises_an_award(synthetic, data, tmp_path_factory):
    yr = PACK.for_year(2024)
    rid = data.draw(st.sampled_from(["xzbf12.s5.courtyard_tiered", "xzbf8.s5-4.three_cell_or_double_urn", "xzbf8.s5-4.indoor_flush",
                                     "xzf5.s3-2.vegetable_facility", "xzf5.s3-3.sheep_shed"]))
    limit = data.draw(st.integers(0, 100000))
    rule = yr.rules[rid]
    caps = [c.model_dump(mode="json", exclude_defaults=True) for c in rule.caps] + [{"param": "test_cap", "scope": "claim"}]
    doc = rule.document.id
    path = tmp_path_factory.mktemp("cap") / "overlay.yaml"
    path.write_text(json.dumps({"overlay": {"id": "cap", "title": {"zh": "上限", "en": "cap"}}, "changes": [
        {"add_parameter": f"{doc}.test_cap", "parameter": {"value": str(limit), "unit": "元", "label": {"zh": "测试上限", "en": "test cap"},
                                                           "section": "测试", "quote": f"不超过 {limit} 元"}},
        {"patch_rule": rid, "set": {"caps": caps}}]}, ensure_ascii=False), encoding="utf-8")
    vpack, vyr = variant(PACK, overlay=path)
    sim = simulate(synthetic, PACK, yr, vyr, vpack)
    base, var = _households(sim, "base_fen"), _households(sim, "variant_fen")
    assert all(var[a] <= base[a] for a in base)
    alone = sim.rows.filter(_alone(yr, sim.rows))
    assert (alone.get_column("change_fen") <= 0).all()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_recomputing_only_the_rows_a_variant_can_move_is_exact(synthetic, data):
    yr = PACK.for_year(2024)
    chosen = data.draw(st.lists(st.sampled_from(_rate_parameters(yr)), min_size=1, max_size=2, unique=True))
    sets = [SetParam(set=f"{d}.{n}", value=yr.parameters[d][n].value * data.draw(st.sampled_from([0, 2, 3]))) for d, n in chosen]
    vpack, vyr = variant(PACK, sets=sets)
    part = simulate(synthetic, PACK, yr, vyr, vpack)
    full = simulate(synthetic, PACK, yr, vyr, vpack, full=True)
    assert part.rows.equals(full.rows)
    assert part.counts["rows_recomputed_by_variant"] <= synthetic.frame.height
    moved = rules_moved(yr, vyr)
    assert moved is not None and all(rid in moved for rid in part.changed.get_column("rule").drop_nulls().unique())


def test_simulate_command_writes_xlsx_json_and_png(tmp_path):
    out, js, png = tmp_path / "s.xlsx", tmp_path / "s.json", tmp_path / "s.png"
    result = run("simulate", ROSTER, "--set", "xzbf12.tier1_award=350", "--out", out, "--chart", png)
    assert result.exit_code == 0, result.output
    assert "合计：基准 155,550.00 元 → 变体 155,650.00 元，变化 100.00 元" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert {"概要", "按乡镇", "按村", "按奖补项目", "按档次", "变化明细", "规则差异"} <= set(wb.sheetnames)
    assert wb["按乡镇"]._charts and wb["按奖补项目"]._charts
    changed = list(wb["变化明细"].iter_rows(values_only=True))
    assert len(changed) == 1 + 4 and all("*" in (r[4] or "*") for r in changed[1:]), "ID numbers masked"
    result = run("simulate", ROSTER, "--set", "xzbf12.tier1_award=350", "--out", js, "--lang", "en")
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["totals"]["change_yuan"] == "100.00" and len(data["changed_rows"]) == 4
    assert sum(Decimal(r["change_yuan"]) for r in data["changed_rows"]) == Decimal("100.00")


@pytest.mark.parametrize("args, words", [
    (["--set", "xzbf12.tier1_award"], "DOC.PARAM=VALUE"),
    (["--set", "xzbf12.nope=3"], "no parameter nope"),
    (["--reading", "I-999=B"], "no entry I-999"),
    ([], "give a variant"),
    (["--set", "xzbf12.tier1_award=350", "--out", "x.txt"], "unsupported output type"),
])
def test_simulate_bad_input_exits_2_with_a_message(args, words, tmp_path):
    result = run("simulate", ROSTER, *[a if a != "x.txt" else tmp_path / a for a in args], "--lang", "en")
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


def test_simulate_never_overwrites_its_roster(tmp_path):
    copy = tmp_path / "roster.xlsx"
    shutil.copy(ROSTER, copy)
    before = copy.read_bytes()
    result = run("simulate", copy, "--set", "xzbf12.tier1_award=350", "--out", copy)
    assert result.exit_code == 2 and copy.read_bytes() == before
    result = run("simulate", copy, "--set", "xzbf12.tier1_award=350", "--chart", copy)
    assert result.exit_code == 2 and copy.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file is left behind"


def test_simulate_a_roster_from_a_frame_in_memory(pack):
    frame = pl.DataFrame({"乡镇": ["甲乡", "乙乡"], "村": ["一村", "二村"], "姓名": ["甲", "乙"], "主体类型": ["农户", "农户"],
                          "农户类型": ["一般户", "一般户"], "项目": ["庭院经济阶梯式奖补"] * 2, "申报金额": [None, None], "通过发展庭院经济当年户增收": ["1200", "2600"],
                          "庭院经济类型": ["特色种植"] * 2, "验收合格（含县级抽验）": ["是"] * 2, "符合用地要求": ["是"] * 2,
                          "成活率/存活率": ["90"] * 2, "在庭院范围内发展": ["是"] * 2, "当年新实施项目": ["是"] * 2,
                          "乱搭乱建影响村容村貌或造成环境污染": ["否"] * 2, "能带动农户增收（非自产自销自赏）": ["是"] * 2})
    vpack, vyr = variant(pack, sets=[parse_set("xzbf12.tier1_award=350"), parse_set("xzbf12.tier4_award=650")])
    sim = simulate(roster_from_frame(frame), pack, pack.for_year(2024), vyr, vpack)
    assert dict(sim.tables["by_township"].select("township", "change_fen").iter_rows()) == {"甲乡": 5000, "乙乡": 5000, "合计": 10000}
    assert read_overlay(EXAMPLE).overlay.overlay.illustration
