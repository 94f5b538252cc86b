"""Unit tests that pin what the caseworker cases do not: the loader's located messages, YAML/JSON
reading, money rounding and the words of the explanation.

They were written against the survivors of the code-mutation run (docs/testing.md): mutants
that changed an error message, a line number, a rounding mode or a step's text passed every
case, because cases compare amounts and statuses only. An auditor reads those messages and
steps, so they are tested here exactly.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest

from xingxian_subsidy.errors import Problem, RuleDataError, YearNotCovered, format_problem
from xingxian_subsidy.money import D, FEN, ZERO, fmt_yuan, to_fen
from xingxian_subsidy.rules import default_rules_dir, load_rules, param_refs
from xingxian_subsidy.yamlio import LoadFailure, line_for, load_with_lines

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
YEAR = "2024"
INDUSTRY = f"{YEAR}/xzf-2024-5_rural-industry-action-plan.yaml"
TOILET = f"{YEAR}/xzbf-2024-8_rural-toilet-revolution.yaml"
COURTYARD = f"{YEAR}/xzbf-2024-12_courtyard-economy.yaml"
REGISTER = f"{YEAR}/interpretations.yaml"
VOCAB = f"{YEAR}/vocabulary.yaml"


# ------------------------------------------------------------------ broken packs

Edit = Callable[[str], str]


def _replace(old: str, new: str, count: int = 1) -> Edit:
    def edit(text: str) -> str:
        assert old in text, f"the shipped rule data changed: {old!r} not found"
        return text.replace(old, new, count)

    return edit


def _pack(tmp_path: Path, edits: dict[str, Edit] | None = None, remove: tuple[str, ...] = ()) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(RULES, target)
    for rel, edit in (edits or {}).items():
        path = target / rel
        path.write_text(edit(path.read_text("utf-8")), "utf-8")
    for rel in remove:
        (target / rel).unlink()
    return target


def _problems(directory: Path) -> list[Problem]:
    with pytest.raises(RuleDataError) as info:
        load_rules(directory)
    return info.value.problems


def _line(directory: Path, rel: str, needle: str, nth: int = 1) -> int:
    hits = [n for n, text in enumerate((directory / rel).read_text("utf-8").splitlines(), start=1) if needle in text]
    assert len(hits) >= nth, f"{needle!r} not {nth} times in {rel}"
    return hits[nth - 1]


def _only(problems: list[Problem], en_contains: str) -> Problem:
    found = [p for p in problems if en_contains in p.message["en"]]
    assert len(found) == 1, (en_contains, [p.message["en"] for p in problems])
    return found[0]


def test_the_shipped_pack_loads(tmp_path: Path) -> None:
    pack = load_rules(_pack(tmp_path))
    assert pack.name == "xingxian-2024" and pack.version
    assert pack.label == f"{pack.name} {pack.version} (sha256:{pack.digest[:12]})"
    assert len(pack.digest) == 64
    yr = pack.for_year(2024)
    assert yr.year == 2024 and len(yr.rules) >= 40
    assert yr.files["xzf5.s3-1.soybean"].name == Path(INDUSTRY).name
    assert all(r.document is not None for r in yr.rules.values())
    assert "xzbf8" in yr.tasks and "households_2024" in yr.tasks["xzbf8"]


def test_the_digest_follows_every_byte_and_name(tmp_path: Path) -> None:
    a = load_rules(_pack(tmp_path / "a")).digest
    assert load_rules(_pack(tmp_path / "b")).digest == a, "same bytes, same digest, wherever the pack lives"
    changed = load_rules(_pack(tmp_path / "c", {INDUSTRY: _replace("# ", "#  ")})).digest
    assert changed != a, "a comment is part of the signed rule data"
    renamed = _pack(tmp_path / "d")
    (renamed / INDUSTRY).rename(renamed / YEAR / "zz-industry.yaml")
    assert load_rules(renamed).digest != a, "file names are part of the digest"


def test_default_rules_dir_is_the_repository_pack() -> None:
    assert default_rules_dir() == RULES
    assert load_rules().directory == RULES.resolve()


def test_a_year_no_rule_covers_is_an_error_naming_the_years_covered() -> None:
    with pytest.raises(YearNotCovered) as info:
        load_rules().for_year(2023)
    (p,) = info.value.problems
    assert p.field == "year" and p.source == str(RULES.resolve())
    assert p.message == {"zh": "没有规则覆盖 2023 年（本规则包覆盖：2024）", "en": "no rule covers the year 2023 (this pack covers: 2024)"}


def test_unknown_parameter_is_located_at_its_rule_and_the_orphan_parameter_at_its_line(tmp_path: Path) -> None:
    d = _pack(tmp_path, {INDUSTRY: _replace("rate: soy_corn_rate,", "rate: soy_corn_rat,")})
    problems = _problems(d)
    ref = _only(problems, "unknown parameter soy_corn_rat")
    assert ref.source == str(d.resolve() / INDUSTRY)
    assert ref.line == _line(d, INDUSTRY, "- id: xzf5.s3-1.soy_corn_strip")
    assert ref.field is not None and ref.field.startswith("rules.")
    assert ref.message == {"zh": "规则 xzf5.s3-1.soy_corn_strip 引用了不存在的参数 soy_corn_rat",
                           "en": "rule xzf5.s3-1.soy_corn_strip refers to unknown parameter soy_corn_rat"}
    unused = _only(problems, "not used by any rule")
    assert unused.field == "parameters.soy_corn_rate"
    assert unused.line == _line(d, INDUSTRY, "  soy_corn_rate:")
    assert unused.message == {"zh": "参数 soy_corn_rate 未被任何规则使用", "en": "parameter soy_corn_rate is not used by any rule"}
    assert len(problems) == 2


def test_undeclared_input_is_named(tmp_path: Path) -> None:
    d = _pack(tmp_path, {INDUSTRY: _replace("rate: soybean_rate, quantity: area_mu}", "rate: soybean_rate, quantity: area}")})
    p = _only(_problems(d), "undeclared input")
    assert p.message == {"zh": "规则 xzf5.s3-1.soybean 使用了未声明的输入 area", "en": "rule xzf5.s3-1.soybean uses undeclared input area"}
    assert p.line == _line(d, INDUSTRY, "- id: xzf5.s3-1.soybean")


def test_unknown_interpretation_subject_and_group_are_each_reported(tmp_path: Path) -> None:
    d = _pack(tmp_path, {COURTYARD: lambda t: _replace("interpretations: [I-017]", "interpretations: [I-017, I-999]")(
        _replace("subjects: [village]", "subjects: [village, alien]")(t))})
    problems = _problems(d)
    interp = _only(problems, "unknown interpretation")
    assert interp.message == {"zh": "规则 xzbf12.s5.demo_village 引用了解释登记册中不存在的条目 I-999",
                              "en": "rule xzbf12.s5.demo_village refers to unknown interpretation I-999"}
    subject = _only(problems, "unknown subject type")
    assert subject.message == {"zh": "未知主体类型 alien", "en": "unknown subject type alien"}
    assert subject.field is not None and subject.field.endswith(".subjects")
    assert subject.line == _line(d, COURTYARD, "subjects: [village, alien]")

    d2 = _pack(tmp_path / "g", {INDUSTRY: _replace("{when: {group: [三类户]}, param: veg_sanlei_share", "{when: {group: [四类户]}, param: veg_sanlei_share")})
    group = _only(_problems(d2), "unknown category group")
    assert group.message == {"zh": "未知类别组 四类户", "en": "unknown category group 四类户"}
    d3 = _pack(tmp_path / "s", {INDUSTRY: _replace("{when: {subject: [village_collective]}, param: fungi_collective_share}",
                                                   "{when: {subject: [village_collectiv]}, param: fungi_collective_share}")})
    assert _only(_problems(d3), "unknown subject type").message["en"] == "unknown subject type village_collectiv"


def test_duplicate_rule_document_and_interpretation_ids(tmp_path: Path) -> None:
    d = _pack(tmp_path, {INDUSTRY: _replace("- id: xzf5.s3-1.soybean\n", "- id: xzf5.s3-1.soy_corn_strip\n")})
    dup = _only(_problems(d), "duplicate rule id")
    assert dup.message == {"zh": "重复的规则编号 xzf5.s3-1.soy_corn_strip", "en": "duplicate rule id xzf5.s3-1.soy_corn_strip"}
    assert dup.field is not None and dup.field.endswith(".id")
    assert dup.line == _line(d, INDUSTRY, "- id: xzf5.s3-1.soy_corn_strip", nth=2)

    d2 = _pack(tmp_path / "doc")
    shutil.copy(d2 / TOILET, d2 / YEAR / "zz-copy.yaml")
    problems = _problems(d2)
    doc = _only(problems, "duplicate document id")
    assert doc.message == {"zh": "重复的文件编号 xzbf8", "en": "duplicate document id xzbf8"}
    assert doc.source.endswith("zz-copy.yaml") and doc.field == "document.id"
    assert doc.line == _line(d2, f"{YEAR}/zz-copy.yaml", "  id: xzbf8")

    d3 = _pack(tmp_path / "reg", {REGISTER: _replace("  - id: I-002\n", "  - id: I-001\n")})
    problems = _problems(d3)
    reg = _only(problems, "duplicate interpretation id")
    assert reg.message == {"zh": "重复的解释编号 I-001", "en": "duplicate interpretation id I-001"}
    assert reg.source == str(d3.resolve() / REGISTER) and reg.field == "interpretations.1"
    assert reg.line == _line(d3, REGISTER, "  - id: I-001", nth=2)


def test_an_interpretation_no_rule_uses_is_reported_on_the_register(tmp_path: Path) -> None:
    entry = ("  - id: I-999\n    title: {zh: 未用, en: unused}\n    document: x\n    section: x\n"
             "    question: {zh: 问, en: q}\n    reading: {zh: 读, en: r}\n    reason: {zh: 因, en: why}\n")
    d = _pack(tmp_path, {REGISTER: lambda t: t + entry})
    (p,) = _problems(d)
    assert p.source == str(d.resolve() / REGISTER) and p.line is None
    assert p.message == {"zh": "解释 I-999 未被任何规则引用", "en": "interpretation I-999 is not referred to by any rule"}


def test_a_task_table_must_name_rules_of_its_own_document(tmp_path: Path) -> None:
    d = _pack(tmp_path, {TOILET: _replace("rules: [xzbf8.s5-4.indoor_flush, xzbf8.s5-4.three_cell_or_double_urn]",
                                          "rules: [xzbf8.s5-4.indoor_flush, xzf5.s3-1.soybean]")})
    (p,) = _problems(d)
    assert p.message == {"zh": "任务表 households_2024 引用了本文件中不存在的规则 xzf5.s3-1.soybean",
                         "en": "task table households_2024 refers to rule xzf5.s3-1.soybean, not in this document"}
    assert p.field == "tasks.households_2024.rules" and p.line == _line(d, TOILET, "rules: [xzbf8.s5-4.indoor_flush, xzf5")


def test_a_boundary_word_that_contradicts_the_op_is_located(tmp_path: Path) -> None:
    d = _pack(tmp_path, {INDUSTRY: _replace("op: ge, threshold: land_transfer_min, boundary_word: 及以上",
                                            "op: gt, threshold: land_transfer_min, boundary_word: 及以上")})
    (p,) = _problems(d)
    assert p.source == str(d.resolve() / INDUSTRY)
    assert p.line == _line(d, INDUSTRY, "id: land_transfer_min,")
    assert p.message["zh"].startswith("规则数据有误：") and p.message["en"].startswith("invalid rule data: ")
    assert "boundary word '及以上' means ['ge'], not 'gt'" in p.message["en"]
    assert p.field is not None and p.field.startswith("rules.") and ".conditions.0" in p.field


def test_yaml_syntax_errors_and_missing_files_are_located(tmp_path: Path) -> None:
    d = _pack(tmp_path, {COURTYARD: _replace("rules:\n", "rules: [\n")})
    (p,) = _problems(d)
    assert p.source == str(d.resolve() / COURTYARD) and p.line is not None and p.line > 1
    assert p.message["zh"].startswith("无法读取：YAML syntax error") and p.message["en"].startswith("YAML syntax error")

    d2 = _pack(tmp_path / "v", remove=(VOCAB,))
    problems = _problems(d2)
    missing = _only(problems, "file is missing")
    assert missing.source == str(d2.resolve() / VOCAB) and missing.message["zh"] == "缺少此文件"

    d3 = _pack(tmp_path / "r", remove=(REGISTER,))
    missing = [p for p in _problems(d3) if p.message["en"] == "file is missing"]
    assert [p.source for p in missing] == [str(d3.resolve() / REGISTER)]

    d4 = _pack(tmp_path / "p", remove=("pack.yaml",))
    (p,) = _problems(d4)
    assert p.message == {"zh": "缺少 pack.yaml", "en": "pack.yaml is missing"} and p.source == str(d4.resolve() / "pack.yaml")

    d5 = _pack(tmp_path / "pv", {"pack.yaml": _replace("version:", "versoin:")})
    problems = _problems(d5)
    assert {p.field for p in problems} >= {"version", "versoin"}
    assert all(p.source == str(d5.resolve() / "pack.yaml") and p.line is not None for p in problems)


def test_a_folder_that_is_no_pack_is_refused_with_one_message(tmp_path: Path) -> None:
    (p,) = _problems(tmp_path / "nowhere")
    assert p.message == {"zh": "规则目录不存在", "en": "rules directory does not exist"}
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pack.yaml").write_text("name: x\nversion: '1'\n", "utf-8")
    (p,) = _problems(empty)
    assert p.message == {"zh": "规则目录中没有年份文件夹", "en": "no year folders in the rules directory"}
    assert p.source == str(empty.resolve())


def test_vocabulary_errors_are_located(tmp_path: Path) -> None:
    d = _pack(tmp_path, {VOCAB: _replace("subjects:\n", "subjectz:\n")})
    problems = _problems(d)
    assert any(p.source == str(d.resolve() / VOCAB) and p.field == "subjectz" and p.line == 3 for p in problems), problems


def test_param_refs_lists_every_parameter_a_rule_uses() -> None:
    yr = load_rules().for_year(2024)
    assert param_refs(yr.rules["xzbf12.s5.courtyard_tiered"]) == [
        "tier1_lower", "tier1_upper", "tier1_award", "tier1_upper", "tier2_upper", "tier2_award",
        "tier2_upper", "tier3_upper", "tier3_award", "tier3_upper", "tier4_upper", "tier4_award",
        "tier4_upper", "tier5_award", "min_planting_survival", "min_livestock_survival", "household_cap"]
    assert param_refs(yr.rules["xzf5.s3-1.sanpin_yibiao"]) == ["sanpin_first", "sanpin_additional"]
    assert param_refs(yr.rules["xzbf12.s5.demo_village"]) == ["demo_village_min", "demo_village_max", "demo_share_monitored", "demo_share_all"]
    assert param_refs(yr.rules["xzf5.s3-8.loan_interest"]) == ["interest_day_basis"]
    assert param_refs(yr.rules["xzf5.s3-3.cattle_shed"]) == ["cattle_shed_rate", "cattle_min", "cattle_shed_min", "livestock_sanlei_uplift"]
    assert param_refs(yr.rules["xzf5.s3-10.direct_store"]) == ["store_county", "store_city", "store_capital", "store_tier1"]
    assert param_refs(yr.rules["xzbf8.s5-4.indoor_flush"]) == ["indoor_flush_rate"]
    assert param_refs(yr.rules["xzf5.s3-1.seed_base_support"]) == []


# ------------------------------------------------------------------ YAML and JSON reading


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_yaml_numbers_are_decimals_from_their_text_and_dates_stay_text(tmp_path: Path) -> None:
    data, lines = load_with_lines(_write(tmp_path, "a.yaml", "a: 12.5\nb: 0.1\nc: 1_000.5\nd: .nan\ne: -.inf\nf: 2024-01-01\ng: 7\nh: 1e3\n"))
    assert data == {"a": Decimal("12.5"), "b": Decimal("0.1"), "c": Decimal("1000.5"), "d": ".nan", "e": "-.inf",
                    "f": "2024-01-01", "g": 7, "h": "1e3"}
    assert type(data["a"]) is Decimal and str(data["a"]) == "12.5" and str(data["b"]) == "0.1"
    assert lines == {(): 1, ("a",): 1, ("b",): 2, ("c",): 3, ("d",): 4, ("e",): 5, ("f",): 6, ("g",): 7, ("h",): 8}


def test_yaml_lines_of_nested_keys_and_items(tmp_path: Path) -> None:
    text = "year: 2024\napplicant:\n  name: 王\n  subject: 农户\nclaims:\n  - rule: r1\n    inputs: {a: 1}\n  - rule: r2\n"
    data, lines = load_with_lines(_write(tmp_path, "a.yaml", text))
    assert data["claims"][1] == {"rule": "r2"}
    assert lines[("applicant",)] == 2 and lines[("applicant", "subject")] == 4
    assert lines[("claims", 0)] == 6 and lines[("claims", 0, "inputs", "a")] == 7 and lines[("claims", 1, "rule")] == 8
    assert line_for(lines, ("claims", 1, "inputs", "zzz")) == 8
    assert line_for(lines, ("nothing", "here")) == 1
    assert line_for({}, ("a",)) is None


def test_yaml_keys_are_text_and_duplicates_or_mappings_as_keys_are_refused(tmp_path: Path) -> None:
    data, _ = load_with_lines(_write(tmp_path, "k.yaml", "1: a\ntrue: b\n"))
    assert data == {"1": "a", "True": "b"}
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "d.yaml", "a: 1\nb: 2\na: 3\n"))
    assert (info.value.message, info.value.line) == ("duplicate key 'a'", 3)
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "m.yaml", "x: 1\n? [a, b]\n: 2\n"))
    assert (info.value.message, info.value.line) == ("a key must be a plain value", 2)


def test_alias_cycles_and_deep_nesting_are_refused_with_their_line(tmp_path: Path) -> None:
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "c.yaml", "x: 1\na: &a [*a]\n"))
    assert info.value.message == "an alias refers to itself (a cycle)" and info.value.line == 2
    shared, _ = load_with_lines(_write(tmp_path, "s.yaml", "a: &a [1]\nb: *a\n"))
    assert shared == {"a": [1], "b": [1]}, "an alias used twice is not a cycle"
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "deep.yaml", "[" * 80 + "]" * 80))
    assert info.value.message == "nested deeper than 64 levels" and info.value.line == 1
    ok, _ = load_with_lines(_write(tmp_path, "ok.yaml", "[" * 60 + "]" * 60))
    assert isinstance(ok, list)
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "deep.json", "[" * 80 + "]" * 80))
    assert info.value.message == "nested deeper than 64 levels"
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "deeper.json", "[" * 5000 + "]" * 5000))
    assert info.value.message == "nested deeper than 64 levels"


def test_json_floats_are_decimals_and_syntax_errors_have_their_line(tmp_path: Path) -> None:
    data, lines = load_with_lines(_write(tmp_path, "a.JSON", '{"a": 12.35, "b": [1, 0.1]}'))
    assert data == {"a": Decimal("12.35"), "b": [1, Decimal("0.1")]} and lines == {}
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "b.json", '{\n"a": 1,\n}'))
    assert info.value.message.startswith("JSON syntax error: ") and info.value.line == 3


def test_encodings_utf8_bom_and_gbk_are_read_and_other_bytes_refused(tmp_path: Path) -> None:
    assert load_with_lines(_write(tmp_path, "bom.yaml", "\ufeffname: 王秀英\n".encode("utf-8")))[0] == {"name": "王秀英"}
    assert load_with_lines(_write(tmp_path, "gbk.yaml", "name: 王秀英\n".encode("gbk")))[0] == {"name": "王秀英"}
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "bad.yaml", b"name: \x80\xff\xff\n"))
    assert info.value.message == "not UTF-8 or GBK text" and info.value.line is None
    with pytest.raises(LoadFailure) as info:
        load_with_lines(tmp_path / "absent.yaml")
    assert info.value.message.startswith("cannot read file: ")
    assert load_with_lines(_write(tmp_path, "empty.yaml", "")) == (None, {})


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "s.yaml", "a: 1\nb: [1, 2\nc: 3\n"))
    assert info.value.message.startswith("YAML syntax error: ") and info.value.line == 3
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "t.yaml", "a: !!python/object:os.system x\n"))
    assert info.value.message.startswith("YAML ") and "python/object" in info.value.message


# ------------------------------------------------------------------ money


def test_D_builds_exact_decimals_and_refuses_floats_bools_and_non_numbers() -> None:
    assert D("12.50") == Decimal("12.50") and str(D(" 12.50 ")) == "12.50"
    assert D(3) == Decimal(3) and D(Decimal("0.1")) == Decimal("0.1")
    for bad, kind, text in [(0.1, TypeError, "money and quantities must not be float: 0.1"),
                            (True, TypeError, "money and quantities must not be bool: True"),
                            ([1], TypeError, "cannot make a number of list: [1]"),
                            ("abc", ValueError, "not a number: 'abc'"),
                            ("NaN", ValueError, "not a finite number: 'NaN'"),
                            (Decimal("Infinity"), ValueError, "not a finite number: Decimal('Infinity')")]:
        with pytest.raises(kind) as info:
            D(bad)
        assert str(info.value) == text


def test_to_fen_rounds_half_up_once_even_for_huge_amounts() -> None:
    assert to_fen(Decimal("0.005")) == Decimal("0.01")  # half-even would give 0.00
    assert to_fen(Decimal("0.125")) == Decimal("0.13")
    assert to_fen(Decimal("2.675")) == Decimal("2.68")
    assert to_fen(Decimal("0.0049999")) == Decimal("0.00")
    assert str(to_fen(Decimal("700"))) == "700.00"
    assert to_fen(Decimal("499999999999999.995")) == Decimal("500000000000000.00")
    big = Decimal("123456789012345678901234567890.125")
    assert to_fen(big) == Decimal("123456789012345678901234567890.13")
    assert FEN == Decimal("0.01") and ZERO == 0


def test_fmt_yuan_has_separators_and_two_decimals() -> None:
    assert fmt_yuan(Decimal("1234.5")) == "1,234.50"
    assert fmt_yuan(Decimal("0.005")) == "0.01"
    assert fmt_yuan(Decimal("1000000000000")) == "1,000,000,000,000.00"
    assert fmt_yuan(Decimal("0")) == "0.00"


def test_problems_print_as_file_line_row_field() -> None:
    p = Problem(source="a.yaml", line=3, field="claims.0.rule", message={"zh": "中", "en": "en"})
    assert format_problem(p) == "a.yaml:3: claims.0.rule: 中" and p.text("en") == "a.yaml:3: claims.0.rule: en"
    r = Problem(source="r.csv", row=17, message={"zh": "错", "en": "bad"})
    assert r.text("zh") == "r.csv:第17行: 错" and r.text("en") == "r.csv:row 17: bad"
    assert json.dumps(p.message, ensure_ascii=False) == '{"zh": "中", "en": "en"}'
