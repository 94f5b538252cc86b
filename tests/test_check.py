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


# ---------------------------------------------------------------- issue 13: a questionnaire that can't trip


def _toilet_numbers(yr):
    return _numbers(yr, "household", "general", [TOILET])


def test_everyday_no_is_an_answer_and_back_goes_one_question_back(yr):
    """没有 is no (not 'try again'); 返回 re-asks the previous question; the answer typed after it wins."""
    s, c, r = _toilet_numbers(yr)
    answers = ["李二牛", s, c, r, "没有", "返回", "是", "是", ""]
    result = runner.invoke(app, ["check"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "请重新输入" not in result.output  # 没有 was understood
    assert "5,000.00" in result.output  # the self-inspection answer after 返回 (是) is the one used


def test_losing_answer_is_marked(yr):
    """乱搭乱建… is the question where 是 loses: the prompt says so; elsewhere 否 loses."""
    s, c, r = _numbers(yr, "household", "general", [COURTYARD])
    result = runner.invoke(app, ["check"], input="\n".join(["王", s, c, r, "2300", "1", "是", "是", "86", "是", "是"]) + "\n")
    out = result.output.replace("\n", "")  # rich wraps long lines
    assert "乱搭乱建影响村容村貌或造成环境污染（是/否；答“是”则这项不能领）" in out
    assert "验收合格（含县级抽验）（是/否；答“否”则这项不能领）" in out


def test_review_lists_every_answer_and_a_number_changes_one(yr):
    """The review page reads every answer back; typing its number re-asks it, the others are kept."""
    s, c, r = _toilet_numbers(yr)
    # self-inspection 否 → not paid; on the review page change answer 5 (self-inspection) to 是 (re-inspection 是, sampled 是)
    answers = ["李二牛", s, c, r, "否", "是", "是", "5", "是", ""]
    result = runner.invoke(app, ["check"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("请核对您的回答") == 2  # shown again after the change
    assert "乡镇自验合格：否" in out and "乡镇自验合格：是" in out
    assert "可以领 5,000.00 元" in out


def test_awaiting_reinspection_is_not_shown_as_nothing(yr):
    """A toilet without the county's re-inspection says what it waits for and what it pays then."""
    s, c, r = _toilet_numbers(yr)
    result = runner.invoke(app, ["check"], input="\n".join(["李二牛", s, c, r, "是", "", "", ""]) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output.replace("\n", "")
    assert "待确认：县农业农村局复验通过" in out and "通过后可领 5,000.00 元" in out


def test_how_to_apply_follows_the_award_and_the_open_list_is_printed_once(yr):
    s, c, r = _numbers(yr, "household", "general", [COURTYARD])
    answers = ["王", s, c, r, "2300", "1", "是", "是", "86", "是", "是", "否", "是", ""]
    result = runner.invoke(app, ["check"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "怎么申请：庭院经济阶梯式奖补" in out
    assert "“一卡通”" in out and "公示" in out and "附件5" in out
    assert out.index("怎么申请") > out.index("合计")  # after the award
    assert out.count("还可关注") + out.count("还可申请") == 1
    assert "户厕改造补助（三格式、双瓮式）" in out  # listed (once) among the rules still open


def test_silent_topics_say_so(yr):
    s, c, r = _toilet_numbers(yr)
    result = runner.invoke(app, ["check"], input="\n".join(["李", s, c, r, "是", "是", ""]) + "\n")
    assert "要带的材料：文件未写明" in result.output and "公示：文件未写明" in result.output


def test_save_to_a_missing_folder_is_refused_before_any_question(tmp_path):
    result = runner.invoke(app, ["check", "--save", str(tmp_path / "nope" / "a.yaml")], input="王\n")
    assert result.exit_code == 2
    assert "文件夹不存在" in result.output and "姓名" not in result.output


def test_questionnaire_back_and_change_replay_the_answers(yr):
    q = Questionnaire(yr)
    assert q.back() is False  # nothing to go back to
    q.next(); q.answer("张三")
    subj = q.next(); q.answer(str([o.value for o in subj.options].index("cooperative") + 1))
    assert q.back() is True and q.next().key == "subject"
    q.answer("农户")
    assert q.next().key == "category"  # a household is asked its category; a cooperative was not
    q.answer("一般户")
    rq = q.next()
    q.answer(str([o.value for o in rq.options].index(TOILET) + 1))
    assert q.next().key == f"input:{TOILET}:township_self_inspection_passed"
    q.answer("不是")
    assert q.inputs[TOILET]["township_self_inspection_passed"] is False
    q.answer("对")
    assert q.next().key == f"input:{TOILET}:county_reinspection_sampled"
    q.answer("")  # not known: left blank
    assert q.next() is None
    assert [i.key for i in q.review()][:4] == ["name", "subject", "category", "rules"]
    assert q.change("name") and q.next().key == "name"
    q.answer("李四")
    assert q.next() is None and q.name == "李四" and q.inputs[TOILET]["county_reinspection_passed"] is True
