"""The check questionnaire, driven through stdin (CliRunner input), and its saved file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from xingxian_subsidy.cli import app
from xingxian_subsidy.selfservice.questionnaire import Questionnaire

runner = CliRunner()

COURTYARD = "xzbf12.s5.courtyard_tiered"
TOILET = "xzbf8.s5-4.three_cell_or_double_urn"


def _numbers(yr, subject: str, category: str | None, rule_ids: list[str]) -> tuple[str, str | None, str]:
    """The menu numbers the questionnaire shows, looked up from its own questions (not hard-coded)."""
    q = Questionnaire(yr)
    q.next(); q.answer("x")
    subj = q.next()
    s = str([o.value for o in subj.options].index(subject) + 1)
    q.answer(s)
    c = None
    if subject == "household":
        cat = q.next()
        c = str([o.value for o in cat.options].index(category) + 1)
        q.answer(c)
    rules = q.next()
    r = " ".join(str([o.value for o in rules.options].index(rid) + 1) for rid in rule_ids)
    return s, c, r


def test_check_sanlei_household_courtyard_and_toilet(yr, tmp_path):
    s, c, r = _numbers(yr, "household", "marginal_at_risk", [COURTYARD, TOILET])
    answers = [
        "王秀英", s, c, r,
        "-5",            # refused on the spot: negative
        "两千三",        # refused: not a number
        "2300",          # income_gain
        "1",             # project_kind: 特色种植 (first choice)
        "是", "是",      # passed_acceptance, land_use_compliant
        "86",            # survival_rate (planting)
        "是", "是", "否", "是",
        "是", "也许", "是",  # toilet: self-inspection; re-inspection refused once, then yes
        "",              # sampled for the re-inspection: not known (it passed: not needed, I-013)
    ]
    out_file = tmp_path / "wang.yaml"
    result = runner.invoke(app, ["check", "--save", str(out_file)], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "不能为负数" in out and "请重新输入" in out
    assert "不是数字" in out
    assert "应为“是”或“否”" in out
    assert "5,500.00" in out  # 500 (三档) + 5000
    assert "可达四档" in out and "600.00" in out
    assert "还可申请" in out and "文件未量化" in out

    text = out_file.read_text(encoding="utf-8")
    assert "income_gain: '2300'" in text  # Decimal written as a string, never a float
    calc = runner.invoke(app, ["calc", str(out_file), "-f", "json"])
    assert calc.exit_code == 0, calc.output
    award = json.loads(calc.output)
    assert award["total"] == "5500.00"
    assert [line["amount"] for line in award["lines"]] == ["500.00", "5000.00"]


def test_check_skips_inputs_that_do_not_apply(yr):
    """A processing (特色加工) courtyard project is not asked for a survival rate."""
    s, c, r = _numbers(yr, "household", "general", [COURTYARD])
    kinds = [ch.value for ch in yr.rules[COURTYARD].input_spec("project_kind").choices]
    answers = ["李四", s, c, r, "1800", str(kinds.index("特色加工") + 1), "是", "是", "是", "是", "否", "是"]
    result = runner.invoke(app, ["check"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "成活率/存活率（%）" not in result.output
    assert "400.00" in result.output  # 1800 in 二档


def test_check_english_and_blank_answers(yr):
    s, _, r = _numbers(yr, "cooperative", None, ["xzbf12.s5.courtyard_leading_entity"])
    result = runner.invoke(app, ["check", "--lang", "en"], input="\n".join(["Co-op", s, r, ""]) + "\n")
    assert result.exit_code == 0, result.output
    assert "What kind of applicant are you?" in result.output
    assert "needs" in result.output.lower()


def test_check_input_ends_early():
    result = runner.invoke(app, ["check"], input="王五\n")
    assert result.exit_code == 2


def test_questionnaire_refuses_bad_menu_numbers(yr):
    q = Questionnaire(yr)
    q.next(); assert q.answer("") is not None  # name is required
    assert q.answer("张三") is None
    q.next(); assert q.answer("99") is not None
    assert q.answer("合作社") is None and q.subject == "cooperative"
    rules = q.next()
    assert rules.kind == "multi" and all("cooperative" in yr.rules[o.value].subjects for o in rules.options)
    assert q.answer("") is not None and q.answer("1 x") is not None
    assert q.answer("1") is None
