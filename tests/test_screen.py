"""screen: every rule a subject may apply for, with thresholds, rates and citations from the rule data."""

from __future__ import annotations

from typer.testing import CliRunner

from xingxian_subsidy.cli import app
from xingxian_subsidy.selfservice.screening import open_rules, rate_text

runner = CliRunner()


def _screen(*args: str) -> str:
    result = runner.invoke(app, ["screen", *args], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    return result.output


def test_screen_lists_every_rule_open_to_the_subject(yr):
    out = _screen("--subject", "农户")
    expected = [r for r in yr.rules.values() if "household" in r.subjects]
    assert f"（{len(expected)} 项）" in out
    for r in expected:
        assert r.id in out
    assert "［文件未量化］" in out
    assert "兴政办发〔2024〕8号" in out and "公报第65页" in out


def test_thresholds_and_rates_come_from_the_rule_data(yr):
    out = _screen("--subject", "household", "--category", "边缘易致贫户")
    cattle = yr.rules["xzf5.s3-3.cattle_shed"]
    p = yr.param(cattle, "cattle_min")
    assert f"≥ {p.value} {p.unit}" in out
    # 三类户 pay the 65% share for vegetable facilities; an ordinary household 40%
    veg = yr.rules["xzf5.s3-2.vegetable_facility"]
    sanlei = yr.param(veg, "veg_sanlei_share").value * 100
    other = yr.param(veg, "veg_social_share").value * 100
    assert f"{sanlei.normalize():f}%" in rate_text(yr, veg, "household", "marginal_at_risk").zh
    assert f"{other.normalize():f}%" in rate_text(yr, veg, "household", "general").zh


def test_screen_village_and_english():
    out = _screen("--subject", "village", "--lang", "en")
    assert "demonstration village" in out
    assert "30000–50000" in out


def test_screen_unknown_subject_exit_2():
    result = runner.invoke(app, ["screen", "--subject", "外星人"])
    assert result.exit_code == 2
    assert "未知主体类型" in result.output


def test_open_rules_marks_not_quantified(yr):
    entries = open_rules(yr, "cooperative")
    assert entries and all("cooperative" in e.rule.subjects for e in entries)
    nq = [e for e in entries if e.not_quantified]
    assert nq and all(e.rule.formula.kind == "not_quantified" for e in nq)
