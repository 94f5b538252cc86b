"""The command line as staff use it: every example computes, JSON adds up, English is English,
and every mistake in a file or a rule pack exits 2 with the file, line and field — never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from paths import RULES_DIR, SOURCES_DIR
from typer.testing import CliRunner

from xingxian_subsidy.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
POLICY = SOURCES_DIR

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_clean_usage_error(result, *needles: str) -> str:
    """Exit 2, message on stderr naming what is wrong, no traceback anywhere."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), result.exception
    err = result.stderr
    assert "Traceback" not in err and "Traceback" not in result.stdout
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def write(tmp_path: Path, text: str, name: str = "applicant.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- examples


def test_there_are_examples_for_every_subject_type():
    assert len(EXAMPLES) >= 13
    from xingxian_subsidy.core.yamlio import load_with_lines
    from xingxian_subsidy.pack.loader import load_rules
    from xingxian_subsidy.pack.semantics import resolve_subject

    yr = load_rules().for_year(2024)
    subjects, categories = set(), set()
    for path in EXAMPLES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and any("\u4e00" <= ch <= "\u9fff" for ch in first), path.name
        data, _ = load_with_lines(path)
        subjects.add(resolve_subject(yr.vocabulary, data["applicant"]["subject"]))
        categories.add(data["applicant"].get("category"))
    assert subjects == {s.id for s in yr.vocabulary.subjects}
    assert {"一般户", "脱贫户"} <= categories
    assert categories & {"边缘易致贫户", "脱贫不稳定户", "突发严重困难户"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_calc_every_example_prints_the_total(path):
    result = run("calc", path)
    assert result.exit_code == 0, result.stderr
    assert "合计" in result.stdout
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_calc_json_total_is_the_sum_of_lines(path):
    result = run("calc", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data["total"], str)
    lines = data["lines"]
    assert lines
    assert Decimal(data["total"]) == sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    for line in lines:
        assert isinstance(line["amount"], str)
        assert -Decimal(line["amount"]).as_tuple().exponent <= 2
        assert line["citation"]["quote"] and line["citation"]["gazette_page"] >= 1


def test_examples_cover_the_situations_of_the_brief():
    statuses: dict[str, set[str]] = {}
    for path in EXAMPLES:
        data = json.loads(run("calc", path, "--format", "json").stdout)
        statuses[path.stem] = {line["status"] for line in data["lines"]}
    everything = set().union(*statuses.values())
    assert {"awarded", "limited", "undecided", "not_quantified", "ineligible"} <= everything
    assert sum(len(json.loads(run("calc", p, "-f", "json").stdout)["lines"]) > 1 for p in EXAMPLES) >= 8


def test_courtyard_cap_example_pays_700_across_two_claims():
    path = ROOT / "examples" / "courtyard_cap_two_projects.yaml"
    data = json.loads(run("calc", path, "-f", "json").stdout)
    # I-040: the household's 2300 + 1800 = 4100 元 → 五档 700 on the first line, the second 0
    assert [(line["status"], line["amount"]) for line in data["lines"]] == [("awarded", "700.00"), ("limited", "0.00")]
    assert data["total"] == "700.00"
    # each line shows the other reading (I-040 B): 2300 元 → 三档 500；1800 元 → 二档 400；每户累计不超 700 → 500 + 200
    assert [[(a["interpretation"], a["alternative"], a["amount"]) for a in line["alternatives"]] for line in data["lines"]] == [
        [("I-040", "B", "500.00")], [("I-040", "B", "200.00")]]
    under_b = json.loads(run("calc", path, "-f", "json", "--reading", "I-040=B").stdout)
    assert [line["amount"] for line in under_b["lines"]] == ["500.00", "200.00"] and under_b["total"] == "700.00"
    assert "tier" not in data["lines"][0]  # the tier the audit counts is not written out: the step says it


def test_markdown_output_has_total_and_citation():
    result = run("calc", ROOT / "examples" / "service_point.yaml", "--format", "markdown")
    assert result.exit_code == 0
    assert "**合计：1,500.00 元**" in result.stdout
    assert "兴政办发〔2024〕5号" in result.stdout and "公报第36页" in result.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_lang_en_is_english(fmt):
    path = ROOT / "examples" / "ordinary_household_courtyard_toilet.yaml"
    result = run("calc", path, "--lang", "en", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Total" in out and "合计" not in out
    assert "awarded" in out and "予以奖补" not in out
    zh = run("calc", path, "--format", fmt).stdout
    assert "合计" in zh and "Total" not in zh


def test_json_is_identical_on_rerun():
    path = ROOT / "examples" / "leading_enterprise_loan_livestock.yaml"
    assert run("calc", path, "-f", "json").stdout == run("calc", path, "-f", "json").stdout


# ---------------------------------------------------------------- bad input: exit 2, file:line field, no traceback


GOOD_HEAD = "year: 2024\napplicant: {name: 韩有才, subject: 种植大户}\n"


def test_unknown_subject(tmp_path):
    path = write(tmp_path, "year: 2024\napplicant: {name: 张三, subject: 外星人}\nclaims: []\n")
    err = assert_clean_usage_error(run("calc", path), f"{path}:2", "applicant.subject", "外星人")
    assert "家庭农场" in err  # lists what would be accepted


def test_negative_area(tmp_path):
    path = write(tmp_path, GOOD_HEAD + "claims:\n  - rule: xzf5.s3-1.oilseed\n    inputs: {area_mu: \"-5\"}\n")
    assert_clean_usage_error(run("calc", path), f"{path}:5", "claims.0.inputs.area_mu", "负数")


def test_text_where_a_number_belongs(tmp_path):
    path = write(tmp_path, GOOD_HEAD + "claims:\n  - rule: xzf5.s3-1.oilseed\n    inputs:\n      area_mu: 十二亩\n")
    assert_clean_usage_error(run("calc", path, "--lang", "en"), f"{path}:6", "claims.0.inputs.area_mu", "'十二亩' is not a number")


def test_misspelt_input_key_gets_a_suggestion(tmp_path):
    path = write(tmp_path, GOOD_HEAD + "claims:\n  - rule: xzf5.s3-1.oilseed\n    inputs:\n      aera_mu: 12\n")
    assert_clean_usage_error(run("calc", path), f"{path}:6", "claims.0.inputs.aera_mu", "area_mu")


def test_misspelt_file_key_gets_a_suggestion(tmp_path):
    path = write(tmp_path, "year: 2024\napplicant:\n  name: 王秀英\n  subject: 农户\n  catgory: 边缘易致贫户\nclaims: []\n")
    assert_clean_usage_error(run("calc", path, "--lang", "en"), f"{path}:5", "applicant.catgory", "did you mean 'category'")


def test_unknown_rule_id(tmp_path):
    path = write(tmp_path, GOOD_HEAD + "claims:\n  - rule: xzf5.s3-1.soybaen\n    inputs: {area_mu: 10}\n")
    assert_clean_usage_error(run("calc", path), f"{path}:4", "claims.0.rule", "xzf5.s3-1.soybean")


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    path = write(tmp_path, GOOD_HEAD + "claims:\n  - rule: xzf5.s3-1.oilseed\n    inputs: {area_mu: \"-1\"}\n"
                 "  - rule: xzf5.s3-1.soybean\n    inputs: {area_mu: abc}\n")
    err = assert_clean_usage_error(run("calc", path), "claims.0.inputs.area_mu", "claims.1.inputs.area_mu")
    assert err.count(str(path)) == 2


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    assert_clean_usage_error(run("calc", missing), str(missing))
    assert_clean_usage_error(run("calc", tmp_path), str(tmp_path))


def test_yaml_syntax_error_shows_the_line(tmp_path):
    path = write(tmp_path, "year: 2024\napplicant: {name: 张三, subject: 农户\nclaims: []\n")
    err = assert_clean_usage_error(run("calc", path), str(path))
    assert f"{path}:3" in err and "YAML" in err


def test_year_without_rules_is_an_error_not_zero(tmp_path):
    path = write(tmp_path, "year: 2023\napplicant: {name: 张三, subject: 农户, category: 一般户}\nclaims:\n"
                 "  - rule: xzbf8.s5-4.indoor_flush\n    inputs: {township_self_inspection_passed: 是, county_reinspection_passed: 是}\n")
    result = run("calc", path, "-f", "json")
    assert_clean_usage_error(result, "2023", "year")
    assert result.stdout == ""
    override = run("calc", ROOT / "examples" / "service_point.yaml", "--year", "2023")
    assert_clean_usage_error(override, "2023")


def test_float_like_yaml_values_stay_exact(tmp_path):
    # YAML reads 0.1 as a float; 0.1 × 300 in binary is 30.000000000000004.  Three claims of 0.1 亩
    # and three booth costs of 0.2 元 (× 50% = 0.10 each) must give exactly 90.00 and 0.30.
    claims = "".join("  - rule: xzf5.s3-1.soybean\n    inputs: {area_mu: 0.1}\n" for _ in range(3))
    path = write(tmp_path, "year: 2024\napplicant: {name: 兴县某合作社, subject: 合作社}\nclaims:\n" + claims)
    data = json.loads(run("calc", path, "-f", "json").stdout)
    assert [line["amount"] for line in data["lines"]] == ["30.00"] * 3
    assert data["total"] == "90.00"
    assert data["lines"][0]["inputs"][0]["value"] == "0.1"
    claims = "".join("  - rule: xzf5.s3-10.expo_booth\n    inputs: {booth_cost: 0.2}\n" for _ in range(3))
    path = write(tmp_path, "year: 2024\napplicant: {name: 兴县某合作社, subject: 合作社}\nclaims:\n" + claims, "booth.yaml")
    data = json.loads(run("calc", path, "-f", "json").stdout)
    assert data["total"] == "0.30"


def test_json_applicant_file_floats_stay_exact(tmp_path):
    body = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": 0.1}}] * 3}
    path = write(tmp_path, json.dumps(body, ensure_ascii=False), "applicant.json")
    data = json.loads(run("calc", path, "-f", "json").stdout)
    assert data["total"] == "90.00"


# ---------------------------------------------------------------- rules list / show / validate


def test_rules_list_names_every_rule():
    from xingxian_subsidy.pack.loader import load_rules

    result = runner.invoke(app, ["rules", "list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    rules = load_rules().for_year(2024).rules
    assert f"（{len(rules)} 条）" in result.stdout
    assert [rid for rid in rules if rid not in result.stdout] == []
    en = runner.invoke(app, ["rules", "list", "--lang", "en"], env={"COLUMNS": "250"})
    assert en.exit_code == 0 and "soybean award" in en.stdout


def test_rules_show_prints_the_quote_and_parameters():
    result = run("rules", "show", "xzbf8.s5-4.three_cell_or_double_urn")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "三格式、双瓮式户厕每座补助 5000 元" in out
    assert "兴政办发〔2024〕8号" in out and "65" in out
    assert "three_cell_rate = 5000" in out


def test_rules_show_says_what_a_tier_table_places():
    out = run("rules", "show", "xzbf12.s5.courtyard_tiered").stdout
    assert "定档依据: applicant — 同一户（申请人）各项申报中符合条件的相加后定一个档次，奖补计在第一项上（I-040）" in out
    en = run("rules", "show", "xzbf12.s5.courtyard_tiered", "--lang", "en").stdout
    assert "Tier basis: applicant — the household's (applicant's) qualifying claims added up and placed in one tier, paid on the first (I-040)" in en
    assert "定档依据" not in run("rules", "show", "xzbf8.s5-4.three_cell_or_double_urn").stdout  # not a tier table


def test_rules_show_unknown_id_suggests(tmp_path):
    result = run("rules", "show", "xzbf8.s5-4.three_cell")
    err = assert_clean_usage_error(result, "xzbf8.s5-4.three_cell")
    assert "xzbf8.s5-4.three_cell_or_double_urn" in err


@pytest.mark.skipif(not (POLICY / "README.md").exists(), reason=f"policy texts not found at {POLICY}")
def test_rules_validate_with_sources():
    result = run("rules", "validate", RULES_DIR, "--sources", POLICY)
    assert result.exit_code == 0, result.stderr
    assert "xingxian-2024" in result.stdout


def _broken_pack(tmp_path: Path, old: str, new: str) -> tuple[Path, Path, int]:
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    path = copy / "2024" / "xzbf-2024-5_employment-social-security-service-points.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return copy, path, line


def test_rules_validate_reports_a_deleted_quote_with_file_and_line(tmp_path):
    import re

    copy, path, line = _broken_pack(tmp_path, "service_point_rate: {", "service_point_rate: {")
    text = path.read_text(encoding="utf-8")
    cut = re.sub(r'(service_point_rate: \{.*?), quote: "[^"]*"\}', r"\1}", text)
    assert cut != text and "service_point_rate: {" in cut
    path.write_text(cut, encoding="utf-8")
    result = run("rules", "validate", copy)
    assert_clean_usage_error(result, f"{path}:{line}", "quote")


def test_rules_validate_reports_an_unknown_field_with_file_and_line(tmp_path):
    copy, path, line = _broken_pack(tmp_path, "  gazette_page: 36\n", "  gazette_page: 36\n  gazete: 公报\n")
    result = run("rules", "validate", copy)
    assert_clean_usage_error(result, f"{path}:{line + 1}", "gazete")


def test_calc_with_a_broken_pack_exits_2(tmp_path):
    copy, path, line = _broken_pack(tmp_path, "  gazette_page: 36\n", "  gazette_page: 36\n  gazete: 公报\n")
    result = run("calc", ROOT / "examples" / "service_point.yaml", "--rules", copy)
    assert_clean_usage_error(result, str(path))


def test_schema_is_json():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert set(schema["properties"]) >= {"year", "applicant", "claims"}


# ---------------------------------------------------------------- help


def _all_command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    out: list[list[str]] = [[]]

    def walk(cmd, prefix: list[str]) -> None:
        # typer may vendor its own click: recognise a group by its sub-commands, not by class
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            out.append(prefix + [name])
            walk(sub, prefix + [name])

    walk(root, [])
    return out


COMMANDS = _all_command_paths()


def test_the_commands_of_the_brief_exist():
    names = {" ".join(p) for p in COMMANDS}
    assert {"calc", "rules", "rules list", "rules show", "rules validate", "schema"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "(root)" for p in COMMANDS])
def test_every_command_has_help(path):
    result = runner.invoke(app, path + ["--help"])
    assert result.exit_code == 0, (path, result.stdout, result.stderr)
    assert "用法：" in result.stdout and "显示本帮助并退出" in result.stdout  # the framework's words in Chinese too
    assert "Usage" not in result.stdout and "Show this message" not in result.stdout
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stdout), "help is bilingual"


def test_missing_inputs_are_named_not_zeroed():
    path = ROOT / "examples" / "household_missing_reinspection.yaml"
    data = json.loads(run("calc", path, "-f", "json").stdout)
    assert [(line["status"], [m["name"] for m in line["missing"]]) for line in data["lines"]] == [
        ("undecided", ["county_reinspection_passed", "county_reinspection_sampled"]),  # passed, or not sampled (I-013)
        ("undecided", ["contiguous_base_mu"]),
    ]
    table = run("calc", path).stdout
    assert "需补充" in table and "县农业农村局复验通过" in table


def test_a_percentage_above_100_is_refused_and_100_is_accepted(tmp_path):
    """成活率 is a percentage: 100 is the most it can be; 850 (a slipped 85.0) is an input error, not a pass."""
    import yaml as _yaml

    base = {"year": 2024, "applicant": {"name": "王", "subject": "household", "category": "一般户"},
            "claims": [{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {
                "income_gain": "1200", "project_kind": "特色种植", "passed_acceptance": "是", "land_use_compliant": "是",
                "within_courtyard": "是", "new_this_year": "是", "disorderly_or_polluting": "否", "raises_income": "是"}}]}
    results = {}
    for rate in ("100", "100.01", "850"):
        base["claims"][0]["inputs"]["survival_rate"] = rate
        path = tmp_path / f"r{rate}.yaml"
        path.write_text(_yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
        results[rate] = subprocess.run([sys.executable, "-m", "xingxian_subsidy", "calc", str(path), "--format", "json"],
                                       capture_output=True, text=True)
    assert results["100"].returncode == 0 and '"total": "300.00"' in results["100"].stdout
    for rate in ("100.01", "850"):
        assert results[rate].returncode == 2
        assert "survival_rate" in results[rate].stderr and "百分数不能超过 100" in results[rate].stderr


@pytest.mark.parametrize("kind", [ValueError, type("PanicException", (BaseException,), {})])
def test_an_unforeseen_error_is_named_by_its_kind_with_exit_70_never_a_traceback(kind, monkeypatch, capsys):
    """A bug, or a panic inside a compiled library (polars raises pyo3's PanicException, which is a
    BaseException): the kind only, exit 70 — not a traceback, and not what the user typed."""
    import importlib

    cli_app = importlib.import_module("xingxian_subsidy.cli.app")  # the module (the package's ``app`` is the Typer object)

    def boom():
        raise kind("141123199001011234 张三")

    monkeypatch.setattr(cli_app, "app", boom)
    monkeypatch.delenv("XINGXIAN_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_:
        cli_app.run()
    err = capsys.readouterr().err
    assert exit_.value.code == 70 and kind.__name__ in err and "内部错误" in err
    assert "Traceback" not in err and "张三" not in err and "1411231990" not in err
