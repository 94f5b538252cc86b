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

from xingxian_subsidy.core.errors import Problem, RuleDataError, YearNotCovered, format_problem
from xingxian_subsidy.core.money import FEN, ZERO, D, fmt_yuan, to_fen
from xingxian_subsidy.core.yamlio import LoadFailure, line_for, load_with_lines
from xingxian_subsidy.pack.loader import default_rules_dir, load_rules

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


def test_default_rules_dir_is_the_repository_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINGXIAN_RULES", raising=False)
    assert default_rules_dir() == RULES
    assert load_rules().directory == RULES.resolve()


def test_xingxian_rules_names_the_default_pack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A county's server runs every command on its own pack without --rules."""
    monkeypatch.setenv("XINGXIAN_RULES", str(tmp_path / "county"))
    assert default_rules_dir() == tmp_path / "county"


def test_a_year_no_rule_covers_is_an_error_naming_the_years_covered() -> None:
    pack = load_rules()
    with pytest.raises(YearNotCovered) as info:
        pack.for_year(2023)
    (p,) = info.value.problems
    covered = ", ".join(str(y) for y in sorted(pack.years))
    assert p.field == "year" and p.source == str(pack.directory)
    assert p.message == {"zh": f"没有规则覆盖 2023 年（本规则包覆盖：{covered}）", "en": f"no rule covers the year 2023 (this pack covers: {covered})"}


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
    d = _pack(tmp_path, {COURTYARD: lambda t: _replace("interpretations: [I-017, I-030]", "interpretations: [I-017, I-030, I-999]")(
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


def test_a_word_that_names_two_subjects_or_two_rules_is_refused(tmp_path: Path) -> None:
    """Rosters name subjects and rules by label or alias: a word naming two of them would be read as either."""
    d = _pack(tmp_path, {VOCAB: _replace("aliases: [家庭农场]", "aliases: [家庭农场, 农户]")})
    (p,) = _problems(d)
    assert p.source == str(d.resolve() / VOCAB)
    assert p.message["zh"].startswith("“农户”同时指主体类型 household 和 family_farm")
    d2 = _pack(tmp_path / "r", {INDUSTRY: _replace("name: {zh: 大豆种植奖补, en: soybean award}", "name: {zh: 大豆玉米带状复合种植奖补, en: soybean award}")})
    (p2,) = _problems(d2)
    assert p2.message["en"] == "'大豆玉米带状复合种植奖补' names both xzf5.s3-1.soy_corn_strip and xzf5.s3-1.soybean: a roster could not tell them apart"
    # a rule's words as a roster's cell is compared with them (blanks and case aside): 大豆玉米 带状… is the same word
    d3 = _pack(tmp_path / "k", {INDUSTRY: _replace("name: {zh: 大豆种植奖补, en: soybean award}", "name: {zh: 大豆玉米 带状复合种植奖补, en: soybean award}")})
    (p3,) = _problems(d3)
    assert p3.message["en"] == "'大豆玉米 带状复合种植奖补' names both xzf5.s3-1.soy_corn_strip and xzf5.s3-1.soybean: a roster could not tell them apart"


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
    assert yr.rules["xzbf12.s5.courtyard_tiered"].parameter_names() == [
        "tier1_lower", "tier1_upper", "tier1_award", "tier1_upper", "tier2_upper", "tier2_award",
        "tier2_upper", "tier3_upper", "tier3_award", "tier3_upper", "tier4_upper", "tier4_award",
        "tier4_upper", "tier5_award", "min_planting_survival", "min_livestock_survival", "household_cap"]
    assert yr.rules["xzf5.s3-1.sanpin_yibiao"].parameter_names() == ["sanpin_first", "sanpin_additional"]
    assert yr.rules["xzbf12.s5.demo_village"].parameter_names() == ["demo_village_min", "demo_village_max", "demo_share_monitored", "demo_share_all"]
    assert yr.rules["xzf5.s3-8.loan_interest"].parameter_names() == ["interest_day_basis"]
    assert yr.rules["xzf5.s3-3.cattle_shed"].parameter_names() == ["cattle_shed_rate", "cattle_min", "cattle_shed_min", "livestock_sanlei_uplift", "livestock_project_cap"]
    assert yr.rules["xzf5.s3-10.direct_store"].parameter_names() == ["store_county", "store_city", "store_capital", "store_tier1"]
    assert yr.rules["xzbf8.s5-4.indoor_flush"].parameter_names() == ["indoor_flush_rate"]
    assert yr.rules["xzf5.s3-1.seed_base_support"].parameter_names() == []


# ------------------------------------------------------------------ YAML and JSON reading


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_yaml_numbers_are_decimals_from_their_text_and_dates_stay_text(tmp_path: Path) -> None:
    # numbers are read as a roster cell is (issue 10): 1_000.5 is not a number there, 1e3 is
    data, lines = load_with_lines(_write(tmp_path, "a.yaml", "a: 12.5\nb: 0.1\nc: 1_000.5\nd: .nan\ne: -.inf\nf: 2024-01-01\ng: 7\nh: 1e3\n"))
    assert data == {"a": Decimal("12.5"), "b": Decimal("0.1"), "c": "1_000.5", "d": ".nan", "e": "-.inf",
                    "f": "2024-01-01", "g": 7, "h": Decimal("1e3")}
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
    assert Decimal("0.01") == FEN and ZERO == 0


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


# ------------------------------------------------------------------ the explanation an auditor reads

from xingxian_subsidy.core.errors import InputError
from xingxian_subsidy.core.inputforms import (
    normalise_text,
    number_text,
)
from xingxian_subsidy.core.money import num_text, pct_text
from xingxian_subsidy.engine.applicant import (
    parse_applicant,
    parse_value,
    read_applicant,
)
from xingxian_subsidy.engine.calculate import calculate
from xingxian_subsidy.engine.models import Award, LineItem

PACK = load_rules()
YR = PACK.for_year(2024)


def _award(subject: str, claims: list[dict], category: str | None = None) -> Award:
    info = {"name": "测试", "subject": subject, **({"category": category} if category else {})}
    return calculate({"year": 2024, "applicant": info, "claims": claims}, PACK)


def _steps(line: LineItem) -> list[tuple[str, str, Decimal | None]]:
    return [(s.text.zh, s.text.en, s.amount) for s in line.steps]


def _check(line: LineItem, cid: str) -> tuple:
    (c,) = [c for c in line.checks if c.id == cid]
    return (c.value, c.threshold, c.op, c.boundary_word, c.passed, c.kind, c.citation.section, c.citation.quote)


def test_per_unit_first_plus_additional_and_share_steps_show_the_arithmetic() -> None:
    a = _award("合作社", [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": "12.5"}},
                          {"rule": "xzf5.s3-1.sanpin_yibiao", "inputs": {"products_certified": 3}},
                          {"rule": "xzf5.s3-1.sanpin_yibiao", "inputs": {"products_certified": 0}},
                          {"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": "0.01"}}])
    soy, sanpin, none, expo = a.lines
    assert _steps(soy) == [("大豆种植奖补：12.5 亩 × 300 元/亩 = 3,750.00 元", "soybean award: 12.5 亩 × 300 元/亩 = 3,750.00 yuan", Decimal("3750.0"))]
    assert [(i.name, i.value, i.unit) for i in soy.inputs] == [("area_mu", "12.5", "亩")]
    assert soy.amount == Decimal("3750.00") and str(soy.amount) == "3750.00"
    assert _steps(sanpin) == [("“三品一标”首个产品奖补 40000 元 + “三品一标”每增加1个产品奖补 10000 元 × (3 − 1) = 60,000.00 元",
                               "first certified product (三品一标) 40000 + each additional certified product 10000 × (3 − 1) = 60,000.00 yuan",
                               Decimal("60000"))]
    assert _steps(none) == [("产品数为 0，不予奖补", "no products; no award", Decimal("0"))] and none.amount == 0
    assert _steps(expo)[-1] == ("四舍五入到分：0.01 元", "rounded to the fen: 0.01 yuan", Decimal("0.01"))
    assert expo.steps[0].amount == Decimal("0.005")
    assert soy.citation.document_number == "兴政发〔2024〕5号" and soy.citation.section == "三（一）扶持政策 三"
    assert soy.citation.gazette_page == 15 and "300元/亩" in soy.citation.quote
    assert a.total == Decimal("63750.01") and a.rule_pack == PACK.label
    assert [i.id for i in a.interpretations] == ["I-008", "I-009", "I-029"]
    assert a.also_eligible[:2] == ["xzbf12.s5.courtyard_leading_entity", "xzf5.s3-1.seed_base_support"]
    assert "xzf5.s3-1.soybean" not in a.also_eligible and "xzbf12.s5.courtyard_tiered" not in a.also_eligible


def test_subject_check_lists_the_subjects_of_the_rule() -> None:
    (line,) = _award("农户", [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": "10"}}]).lines
    assert line.status == "ineligible" and line.amount == 0 and line.steps == []
    assert _check(line, "subject")[:6] == ("农户", "农业产业化龙头企业、农民专业合作社、家庭农场、种植大户", "in", "属于", False, "eligibility")


def test_threshold_checks_show_value_threshold_boundary_word_and_quote() -> None:
    base = {"income_gain": "3200", "project_kind": "特色种植", "passed_acceptance": "是", "land_use_compliant": "是",
            "within_courtyard": "是", "new_this_year": "是", "disorderly_or_polluting": "否", "raises_income": "是"}
    a = _award("农户", [{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {**base, "survival_rate": "79"}},
                       {"rule": "xzbf12.s5.courtyard_tiered", "inputs": {**base, "survival_rate": "80"}}], category="边缘易致贫户")
    out, ok = a.lines
    assert (out.status, ok.status) == ("excluded", "awarded")
    assert _check(out, "excl3_planting_survival") == ("79 %", "80 %", "ge", "不低于", False, "exclusion", "五、以下情况不予补贴（三）",
                                                      "实施种植项目成活率低于 80%、养殖项目存活率低于 70%的庭院经济项目不予补贴")
    assert _check(ok, "excl3_planting_survival")[:5] == ("80 %", "80 %", "ge", "不低于", True)
    assert _check(ok, "excl6_no_disorder")[:5] == ("否", "否", "is_false", "否", True)
    assert _check(ok, "excl1_acceptance")[:5] == ("是", "是", "is_true", "是", True)
    assert "excl3_livestock_survival" not in [c.id for c in ok.checks], "a condition for another kind of project is not listed"
    assert _steps(ok) == [("3200 元落在五档（3000 < x）→ 700 元", "3200 yuan falls in tier 5 (3000 < x) → 700 yuan", Decimal("700"))]
    assert out.interpretations == ["I-011", "I-012", "I-036", "I-040", "I-022"]


COURTYARD_OK = {"passed_acceptance": "是", "land_use_compliant": "是", "within_courtyard": "是", "new_this_year": "是",
                "disorderly_or_polluting": "否", "raises_income": "是", "project_kind": "特色加工"}


def _gains(*gains: str, pack=None) -> Award:
    claims = [{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {**COURTYARD_OK, "income_gain": g}} for g in gains]
    return calculate({"year": 2024, "applicant": {"name": "测试", "subject": "农户", "category": "一般户"}, "claims": claims}, pack or PACK)


def test_tier_steps_and_the_cumulative_household_cap_per_project() -> None:
    """Under I-040 B (a tier per project) each line is placed on its own gain and the 700 元 cap
    cuts the later lines (I-012)."""
    from xingxian_subsidy.pack.loader import variant
    from xingxian_subsidy.pack.overlay import parse_reading

    a = _gains("2600", "1200", "900", "1500", pack=variant(PACK, year=2024, readings=[parse_reading("I-040=B")])[0])
    four, one, below, edge = a.lines
    assert _steps(four) == [("2600 元落在四档（2500 < x ≤ 3000）→ 600 元", "2600 yuan falls in tier 4 (2500 < x ≤ 3000) → 600 yuan", Decimal("600"))]
    assert _steps(one)[0] == ("1200 元落在一档（1000 ≤ x ≤ 1500）→ 300 元", "1200 yuan falls in tier 1 (1000 ≤ x ≤ 1500) → 300 yuan", Decimal("300"))
    assert _steps(one)[1] == ("每户奖补上限（累计） 700.00 元，已享受 600.00 元：本项由 300.00 元调减为 100.00 元",
                              "per-household cap (cumulative) 700.00, already 600.00: this line reduced from 300.00 to 100.00 yuan", Decimal("100.00"))
    assert one.status == "awarded" and one.amount == Decimal("100.00") and str(one.amount) == "100.00"
    assert _steps(below) == [("900 元未达到最低档（一档起点 1000 元），不予奖补", "900 yuan is below the lowest tier (tier 1 starts at 1000); no award", Decimal("0"))]
    assert below.status == "ineligible"
    assert edge.status == "limited" and edge.amount == 0
    assert _steps(edge)[-1][1] == "per-household cap (cumulative) 700.00, already 700.00: this line reduced from 300.00 to 0.00 yuan"
    assert a.total == Decimal("700.00")
    assert [line.tier.zh if line.tier else None for line in a.lines] == ["四档", "一档", None, "一档"]


def test_the_household_total_is_placed_once_and_paid_on_its_first_line() -> None:
    """I-040: 1,200 + 1,800 = 3,000 is 四档 600 元, on the first line; the second says where it is."""
    first, second = _gains("1200", "1800").lines
    assert _steps(first) == [(
        "按户合计定档：本户 2 项庭院经济阶梯式奖补（第 1、2 项申报）的通过发展庭院经济当年户增收合计 1200 + 1800 = 3000 元落在四档（2500 < x ≤ 3000）→ 600 元",
        "tiered on the household's total: household income gained from the courtyard project this year of its 2 claims of courtyard economy "
        "stepped award (claims 1, 2): 1200 + 1800 = 3000 yuan falls in tier 4 (2500 < x ≤ 3000) → 600 yuan", Decimal("600"))]
    assert first.steps[0].interpretations == ["I-040"]
    assert (first.status, str(first.amount), first.tier.zh) == ("awarded", "600.00", "四档")
    assert _steps(second) == [(
        "按户合计定档：本户通过发展庭院经济当年户增收合计 3000 元，落在四档，奖补 600.00 元计在本户第 1 项申报上，本项计 0 元",
        "tiered on the household's total: its total household income gained from the courtyard project this year, 3000 yuan, falls in tier 4; "
        "the award 600.00 yuan is paid on the household's claim 1; this line is 0", Decimal("0"))]
    assert (second.status, second.amount, second.tier) == ("limited", Decimal("0"), None)
    assert "I-040" in first.interpretations and "I-040" in second.interpretations
    # below every tier together: both lines say so; the second points at the first
    low = _gains("400", "500").lines
    assert [(x.status, x.amount) for x in low] == [("ineligible", 0), ("ineligible", 0)]
    assert _steps(low[0])[0][0].endswith("400 + 500 = 900 元未达到最低档（一档起点 1000 元），不予奖补")
    assert _steps(low[1])[0][0] == "按户合计定档：本户通过发展庭院经济当年户增收合计 900 元，未达到最低档，不予奖补（合计见本户第 1 项申报）"


def test_a_household_waits_on_its_undecided_line() -> None:
    """The second line's gain is not given: the household's total is not known, so the first line
    waits too, and says on which line (it misses nothing of its own)."""
    from xingxian_subsidy.engine.summary import line_summary

    a = calculate({"year": 2024, "applicant": {"name": "测试", "subject": "农户", "category": "一般户"}, "claims": [
        {"rule": "xzbf12.s5.courtyard_tiered", "inputs": {**COURTYARD_OK, "income_gain": "1200"}},
        {"rule": "xzbf12.s5.courtyard_tiered", "inputs": COURTYARD_OK}]}, PACK)
    first, second = a.lines
    assert (first.status, first.missing, second.status, [m.name for m in second.missing]) == ("undecided", [], "undecided", ["income_gain"])
    assert line_summary(first) == "按户合计定档：本户第 2 项申报尚待补充信息，通过发展庭院经济当年户增收合计未定，本项待定"
    assert line_summary(first, "en") == ("tiered on the household's total: the household's claim 2 needs information, so its total "
                                          "household income gained from the courtyard project this year is not known; this line waits")
    assert line_summary(second) == "需补充：通过发展庭院经济当年户增收"


def test_ratio_conditions_any_of_and_the_county_range() -> None:
    inputs = {"recognised": "是", "courtyard_households": 30, "courtyard_monitored_households": 30, "monitored_and_alleviated_households": 50, "all_households": 200}
    a = _award("行政村", [{"rule": "xzbf12.s5.demo_village", "inputs": {**inputs, "decided_amount": "40000"}},
                         {"rule": "xzbf12.s5.demo_village", "inputs": {**inputs, "monitored_and_alleviated_households": 0, "decided_amount": "40000"}},
                         {"rule": "xzbf12.s5.demo_village", "inputs": {**inputs, "decided_amount": "60000"}}])
    ok, zero, over = a.lines
    assert _check(ok, "demo_share_monitored")[:5] == ("30/50 = 60%", "60%", "ge", "以上", True)
    assert _check(ok, "demo_share_all")[:5] == ("30/200 = 15%", "80%", "ge", "以上", False)
    assert _check(ok, "demo_coverage")[:6] == (None, None, "any_of", None, True, "eligibility")
    assert [c.id for c in ok.checks] == ["subject", "demo_recognised", "demo_share_monitored", "demo_share_all", "demo_coverage", "amount_in_range"]
    assert _check(ok, "amount_in_range")[:5] == ("40000 元", "30000–50000 元", "between", None, True)
    assert _steps(ok) == [("县级确定金额 40,000.00 元（区间 30000–50000 元内）", "amount fixed by the county 40,000.00 yuan (within 30000–50000)", Decimal("40000"))]
    assert _check(zero, "demo_share_monitored")[:5] == ("—", "60%", "ge", "以上", False)
    assert zero.status == "ineligible" and _check(zero, "demo_coverage")[4] is False
    assert over.status == "ineligible" and over.amount == 0 and _check(over, "amount_in_range")[4] is False


def test_interest_claim_cap_uplift_choose_higher_and_once_per_household_steps() -> None:
    a = _award("龙头企业", [{"rule": "xzf5.s3-8.loan_interest", "inputs": {"provincial_leading": "是", "benefit_linkage": "是", "loan_principal": "1000000",
                                                                           "benchmark_rate_percent": "3.45", "loan_days": "180", "interest_paid": "20000"}},
                            {"rule": "xzf5.s3-8.processing_investment", "inputs": {"new_fixed_assets": "12000000"}}])
    loan, proc = a.lines
    assert _steps(loan) == [("1,000,000.00 元 × 3.45% × 180 天 ÷ 360 = 17,250.00 元；不超过实付利息 20,000.00 元 → 17,250.00 元",
                             "1,000,000.00 × 3.45% × 180 days ÷ 360 = 17,250.00; at most the interest paid 20,000.00 → 17,250.00 yuan", Decimal("17250.00"))]
    assert _steps(proc)[1] == ("农产品加工单个项目奖补上限 2,000,000.00 元：2,400,000.00 元调减为 2,000,000.00 元",
                               "cap per processing project 2,000,000.00: 2,400,000.00 reduced to 2,000,000.00 yuan", Decimal("2000000"))
    assert proc.amount == Decimal("2000000.00") and str(proc.amount) == "2000000.00"
    assert _check(proc, "processing_min")[:2] == ("12000000 元", "3000000 元")

    b = _award("农户", [{"rule": "xzf5.s3-3.cattle_shed", "project": "牛场", "inputs": {"farm_compliant": "是", "cattle_on_hand": 120, "new_shed_area_m2": "650"}},
                       {"rule": "xzf5.s3-3.sheep_shed", "project": "牛场", "inputs": {"farm_compliant": "是", "ewes_on_hand": 150, "new_shed_area_m2": "400"}},
                       {"rule": "xzbf8.s5-4.indoor_flush", "inputs": {"township_self_inspection_passed": "是", "county_reinspection_passed": "是"}},
                       {"rule": "xzbf8.s5-4.three_cell_or_double_urn", "inputs": {"township_self_inspection_passed": "是", "county_reinspection_passed": "是"}}],
               category="脱贫不稳定户")
    cattle, sheep, indoor, three = b.lines
    assert _steps(cattle) == [
        ("肉牛养殖场圈舍奖补：650 m² × 200 元/m² = 130,000.00 元", "beef cattle shed award: 650 m² × 200 元/m² = 130,000.00 yuan", Decimal("130000")),
        ("“三类户”规模养殖提高比例：130,000.00 元 ×（1 + 25%）= 162,500.00 元", "三类户 uplift on livestock rates: 130,000.00 × (1 + 25%) = 162,500.00 yuan", Decimal("162500.00")),
        ("同一项目（牛场）的建设类奖补择高支付：本项最高，予以支付", "one construction award per project (牛场), the highest: this one is paid", Decimal("162500.00")),
    ]
    assert cattle.steps[1].interpretations == ["I-006"] and cattle.interpretations == ["I-005", "I-004", "I-026", "I-028", "I-037", "I-038", "I-006", "I-001"]
    assert _steps(sheep)[-1] == ("同一项目（牛场）择高支付：已按 标准化肉牛养殖场圈舍奖补 162,500.00 元支付，本项计 0 元",
                                 "one award per project (牛场): standard beef-cattle farm shed award 162,500.00 is paid instead; this line is 0", Decimal("0"))
    assert (sheep.status, sheep.amount, sheep.project) == ("limited", Decimal("0"), "牛场")
    assert _steps(indoor) == [("室内水冲式补助：2000 元/户", "indoor flush toilet grant: 2000 元/户", Decimal("2000")),
                              ("每户限享受一次：按 户厕改造补助（三格式、双瓮式） 5,000.00 元支付（取最高），本项计 0 元",
                               "once per household: household toilet grant (three-cell or double-urn) 5,000.00 is paid (the highest); this line is 0", Decimal("0"))]
    assert (indoor.status, three.status, three.amount) == ("limited", "awarded", Decimal("5000.00"))
    assert b.total == Decimal("167500.00")
    assert [i.id for i in b.interpretations] == ["I-001", "I-004", "I-005", "I-006", "I-013", "I-026", "I-028", "I-031", "I-034", "I-037", "I-038"]


def test_missing_inputs_are_named_with_their_labels_never_zeroed() -> None:
    a = _award("农户", [{"rule": "xzf5.s3-5.fungi_facility", "inputs": {"construction_cost": "1000"}},
                       {"rule": "xzbf12.s5.courtyard_tiered", "inputs": {"income_gain": "900"}}])
    fungi, court = a.lines
    assert fungi.status == "undecided" and [(m.name, m.label.zh, m.label.en, m.value, m.unit) for m in fungi.missing] == [
        ("category", "农户类型", "household category", "", None)]
    assert court.status == "undecided" and [m.name for m in court.missing][:2] == ["passed_acceptance", "land_use_compliant"]
    first = court.missing[0]
    assert (first.label.zh, first.unit, first.value) == ("验收合格（含县级抽验）", None, "")
    assert _check(court, "excl1_acceptance")[:5] == (None, "是", "is_true", "是", None)
    b = _award("合作社", [{"rule": "xzf5.s3-1.soybean", "inputs": {}}])
    (m,) = b.lines[0].missing
    assert (m.name, m.label.zh, m.unit) == ("area_mu", "大豆种植面积（不含复合种植）", "亩")


def test_number_and_percent_text() -> None:
    assert [num_text(Decimal(x)) for x in ["12.50", "1E+3", "0.000", "100", "0.10", "-0.5"]] == ["12.5", "1000", "0", "100", "0.1", "-0.5"]
    assert [pct_text(Decimal(x)) for x in ["0.6", "0.40", "1", "0.065", "0"]] == ["60%", "40%", "100%", "6.5%", "0%"]
    assert number_text(" １，２００．５ ", None) == "1200.5" and normalise_text("1 200") == "1 200" and normalise_text("\u3000是\u3000") == "是"


def test_parse_value_messages_are_exact_in_both_languages() -> None:
    rule = YR.rules
    area = rule["xzf5.s3-1.soybean"].input_spec("area_mu")
    money = rule["xzf5.s3-10.expo_booth"].input_spec("booth_cost")
    count = rule["xzf5.s3-2.seedlings"].input_spec("seedlings")
    yes = rule["xzf5.s3-2.seedlings"].input_spec("green_base")
    kind = rule["xzbf12.s5.courtyard_tiered"].input_spec("project_kind")

    def msg(spec, raw):  # type: ignore[no-untyped-def]
        value, text = parse_value(spec, raw)
        assert value is None and text is not None
        return text.zh, text.en

    assert msg(area, None) == ("应为不小于 0 的数（单位：亩）", "expected a number ≥ 0 (unit: 亩)")
    assert msg(area, True) == ("应为不小于 0 的数（单位：亩）", "expected a number ≥ 0 (unit: 亩)")
    assert msg(area, [1]) == ("应为不小于 0 的数（单位：亩）", "expected a number ≥ 0 (unit: 亩)")
    assert msg(area, 1.5) == ("不接受二进制浮点数，请写成文本形式的十进制数", "binary floats are not accepted; write the number as decimal text")
    assert msg(area, "三") == ("“三”不是数字；应为不小于 0 的数（单位：亩）", "'三' is not a number; expected a number ≥ 0 (unit: 亩)")
    assert msg(area, "-5") == ("不能为负数（-5）", "must not be negative (-5)")
    assert msg(area, -2) == ("不能为负数（-2）", "must not be negative (-2)")
    assert msg(area, "1000000000000000.1") == ("数值过大（超过 10^15）", "number too large (over 10^15)")
    assert msg(area, "0.0000001") == ("小数位数过多（最多 6 位）", "too many decimal places (at most 6)")
    assert msg(count, "2.5") == ("应为整数（株），而不是 2.5", "expected a whole number (株), got 2.5")
    assert msg(money, "1.005") == ("金额最多两位小数（分）", "an amount has at most two decimals (fen)")
    assert msg(yes, "也许") == ("应为“是”或“否”，而不是“也许”", "expected yes or no (是/否), got '也许'")
    assert msg(yes, 2) == ("应为“是”或“否”，而不是“2”", "expected yes or no (是/否), got 2")
    assert msg(yes, Decimal("1")) == ("应为“是”或“否”，而不是“1”", "expected yes or no (是/否), got Decimal('1')")
    assert msg(kind, "种植") == ("应为以下之一：特色种植、特色养殖、特色加工、休闲旅游、生产生活服务；而不是“种植”（是否应为“特色种植”？）",
                                "expected one of: 特色种植、特色养殖、特色加工、休闲旅游、生产生活服务; got '种植' (did you mean '特色种植'?)")
    assert msg(kind, 3)[1] == "expected one of: 特色种植、特色养殖、特色加工、休闲旅游、生产生活服务; got 3"
    assert parse_value(area, "0E-99") == (Decimal("0.000000"), None)
    assert parse_value(area, 1000000000000000) == (Decimal("1000000000000000"), None)
    assert parse_value(count, "2.0")[0] == 2 and parse_value(money, "1.50")[0] == Decimal("1.50")
    assert parse_value(yes, " 是 ") == (True, None) and parse_value(yes, "NO") == (False, None) and parse_value(yes, 0) == (False, None)
    assert parse_value(yes, True) == (True, None) and parse_value(yes, "√") == (True, None) and parse_value(yes, "×") == (False, None)
    assert parse_value(kind, " 特色种植 ") == ("特色种植", None) and parse_value(kind, "speciality planting") == ("特色种植", None)
    assert parse_value(kind, "休闲旅游（特色文化旅游）") == ("休闲旅游", None)


APPLICANT_WITH_MISTAKES = """\
year: 2024
applicant:
  name: 王秀英
  subject: 农户
  subjct: x
claims:
  - rule: xzf5.s3-1.soybeen
    inputs: {area_mu: 1}
  - rule: nothing.like.this
  - rule: xzf5.s3-1.soybean
    inputs:
      area_m: 10
      zzz: 1
      area_mu: 三
  - rule: xzf5.s3-1.seed_base_support
    inputs: {x: 1}
  - rule: xzf5.s3-1.soybean
    inputs: {area_mu: "  "}
"""


def test_every_mistake_in_an_applicant_file_is_listed_with_its_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(APPLICANT_WITH_MISTAKES, "utf-8")
    with pytest.raises(InputError) as info:
        read_applicant(path, PACK)
    got = [(p.source, p.line, p.field, p.message["zh"], p.message["en"]) for p in info.value.problems]
    src = str(path)
    assert got == [
        (src, 5, "applicant.subjct", "未知字段“subjct”，是否应为“subject”？", "unknown field 'subjct'; did you mean 'subject'?"),
        (src, 7, "claims.0.rule", "未知奖补规则“xzf5.s3-1.soybeen”，是否应为“xzf5.s3-1.soybean”？",
         "unknown rule 'xzf5.s3-1.soybeen'; did you mean 'xzf5.s3-1.soybean'?"),
        (src, 9, "claims.1.rule", "未知奖补规则“nothing.like.this”；用 `xingxian-subsidy rules list` 查看",
         "unknown rule 'nothing.like.this'; see `xingxian-subsidy rules list`"),
        (src, 12, "claims.2.inputs.area_m", "规则 xzf5.s3-1.soybean 没有输入项“area_m”，是否应为“area_mu”？",
         "rule xzf5.s3-1.soybean has no input 'area_m'; did you mean 'area_mu'?"),
        (src, 13, "claims.2.inputs.zzz", "规则 xzf5.s3-1.soybean 没有输入项“zzz”；可用：area_mu", "rule xzf5.s3-1.soybean has no input 'zzz'; it takes: area_mu"),
        (src, 14, "claims.2.inputs.area_mu", "大豆种植面积（不含复合种植）：“三”不是数字；应为不小于 0 的数（单位：亩）",
         "soybean area (excluding strip intercropping): '三' is not a number; expected a number ≥ 0 (unit: 亩)"),
        (src, 16, "claims.3.inputs.x", "规则 xzf5.s3-1.seed_base_support 没有输入项“x”；可用：无", "rule xzf5.s3-1.seed_base_support has no input 'x'; it takes: none"),
    ]


def test_unknown_subject_and_category_list_what_is_known() -> None:
    with pytest.raises(InputError) as info:
        parse_applicant({"year": 2024, "applicant": {"name": "a", "subject": "农夫", "category": "富裕户"}}, PACK, source="s.yaml")
    subject, category = info.value.problems
    assert (subject.field, category.field) == ("applicant.subject", "applicant.category")
    ids = [s.id for s in YR.vocabulary.subjects]
    assert subject.message["en"] == f"unknown subject type '农夫'; expected one of: {', '.join(ids)}"
    assert subject.message["zh"].startswith("未知主体类型“农夫”；可选：household（农户）、family_farm（家庭农场）")
    assert category.message["en"] == "unknown household category '富裕户'; expected one of: " + ", ".join(c.id for c in YR.vocabulary.categories)
    assert category.message["zh"] == "未知农户类型“富裕户”；可选：" + "、".join(c.label.zh for c in YR.vocabulary.categories)


def test_the_shape_of_the_file_is_checked_part_by_part() -> None:
    def problems(data):  # type: ignore[no-untyped-def]
        with pytest.raises(InputError) as info:
            parse_applicant(data, PACK, source="s.yaml")
        return [(p.source, p.line, p.field, p.message["zh"], p.message["en"]) for p in info.value.problems]

    assert problems([1]) == [("s.yaml", None, None, "文件内容应为一个映射（含 year、applicant、claims）", "the file must hold a mapping with year, applicant and claims")]
    assert problems({"year": 2024}) == [("s.yaml", None, "applicant", "缺少必填字段", "required field is missing")]
    assert problems({"applicant": {"name": "a", "subject": "农户"}}) == [("s.yaml", None, "year", "缺少必填字段", "required field is missing")]
    assert problems({"year": 2024, "applicant": {"name": "a", "subject": "农户"}, "claims": "x"}) == [
        ("s.yaml", None, "claims", "claims 应为列表", "claims must be a list")]
    got = problems({"year": "x", "applicant": {"name": "", "subject": "农户"}, "yaer": 1})
    assert got[0] == ("s.yaml", None, "year", "取值有误：Input should be a valid integer, unable to parse string as an integer（得到 'x'）",
                      "invalid value: Input should be a valid integer, unable to parse string as an integer (got 'x')")
    assert ("s.yaml", None, "yaer", "未知字段“yaer”，是否应为“year”？", "unknown field 'yaer'; did you mean 'year'?") in got
    assert any(p[2] == "applicant.name" for p in got)
    assert problems({"year": 2024, "applicant": {"name": "a", "subject": "农户"}, "claims": [{"rule": "x", "amount": 1}]})[0][2:] == (
        "claims.0.amount", "未知字段“amount”", "unknown field 'amount'")


def test_year_override_and_blank_inputs() -> None:
    data = {"year": 2023, "applicant": {"name": "a", "subject": " 合作社 "},
            "claims": [{"rule": "xzf5.s3-1.soybean", "project": "p1", "inputs": {"area_mu": " "}}]}
    with pytest.raises(YearNotCovered):
        parse_applicant(data, PACK)
    applicant, yr = parse_applicant(data, PACK, year=2024)
    assert applicant.year == 2024 and yr is YR
    assert applicant.applicant.subject == "cooperative" and applicant.applicant.category is None
    assert applicant.claims[0].inputs == {} and applicant.claims[0].project == "p1"
    applicant, _ = parse_applicant({**data, "year": 2024, "applicant": {"name": "a", "subject": "农户", "category": "边缘户"}}, PACK)
    assert (applicant.applicant.subject, applicant.applicant.category) == ("household", "marginal_at_risk")


# ------------------------------------------------------------------ second round: survivors of the first "after" run


def test_a_freshly_loaded_pack_holds_documents_parameters_vocabulary_and_register(tmp_path: Path) -> None:
    pack = load_rules(_pack(tmp_path))
    yr = pack.for_year(2024)
    assert yr.documents["xzbf8"].number == "兴政办发〔2024〕8号" and yr.documents["xzf5"].gazette_page == 15
    assert yr.parameters["xzbf8"]["indoor_flush_rate"].value == Decimal("2000")
    assert yr.param(yr.rules["xzbf8.s5-4.indoor_flush"], "indoor_flush_rate").unit == "元/户"
    assert yr.vocabulary.subjects[0].id == "household" and "三类户" in yr.vocabulary.groups
    assert yr.groups_of("marginal_at_risk") == {"三类户", "监测户"} and yr.groups_of(None) == set() and yr.groups_of("general") == set()
    assert yr.interpretations["I-001"].title.zh == "“三类户”的范围"
    award = calculate({"year": 2024, "applicant": {"name": "a", "subject": "农户", "category": "边缘户"},
                       "claims": [{"rule": "xzf5.s3-3.cattle_shed", "inputs": {"farm_compliant": "是", "cattle_on_hand": 100, "new_shed_area_m2": "600"}}]}, pack)
    assert award.total == Decimal("150000.00") and [i.id for i in award.interpretations] == ["I-001", "I-004", "I-005", "I-006", "I-026", "I-028", "I-037", "I-038"]
    assert award.rule_pack == pack.label


def test_the_digest_is_sha256_over_relative_names_and_bytes(tmp_path: Path) -> None:
    import hashlib

    d = _pack(tmp_path)
    h = hashlib.sha256()
    for path in sorted(d.rglob("*.yaml")):
        h.update(path.relative_to(d).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    assert load_rules(d).digest == h.hexdigest()


def test_every_broken_file_is_reported_not_only_the_first(tmp_path: Path) -> None:
    d = _pack(tmp_path, {COURTYARD: _replace("rules:\n", "rules: [\n"),
                         TOILET: _replace("formula: {kind: fixed, amount: indoor_flush_rate}", "formula: {kind: fixd, amount: indoor_flush_rate}"),
                         INDUSTRY: _replace("rules:\n", "rules: [\n")})
    sources = {Path(p.source).name for p in _problems(d)}
    assert sources == {Path(COURTYARD).name, Path(TOILET).name, Path(INDUSTRY).name}


def test_broken_vocabulary_and_register_files_are_located(tmp_path: Path) -> None:
    d = _pack(tmp_path, {VOCAB: _replace("subjects:\n", "subjects: [\n")})
    vocab = [p for p in _problems(d) if p.source == str(d.resolve() / VOCAB)]
    assert len(vocab) == 1 and vocab[0].message["en"].startswith("YAML syntax error") and vocab[0].line is not None
    d2 = _pack(tmp_path / "r", {REGISTER: _replace("interpretations:\n", "interpretations: [\n")})
    reg = [p for p in _problems(d2) if p.source == str(d2.resolve() / REGISTER)]
    assert len(reg) == 1 and reg[0].message["zh"].startswith("无法读取：YAML syntax error")
    d3 = _pack(tmp_path / "m", {REGISTER: _replace("    title: {zh: “三类户”的范围, en: who the 三类户 are}\n", "")})
    (p,) = [p for p in _problems(d3) if p.source == str(d3.resolve() / REGISTER)]
    assert p.field == "interpretations.0.title" and p.line == _line(d3, REGISTER, "  - id: I-001")
    assert p.message == {"zh": "规则数据有误：Field required", "en": "invalid rule data: Field required"}


def test_every_rule_problem_names_its_file(tmp_path: Path) -> None:
    d = _pack(tmp_path, {INDUSTRY: lambda t: _replace("- id: xzf5.s3-1.soybean\n", "- id: xzf5.s3-1.soy_corn_strip\n")(
        _replace("rate: soybean_rate, quantity: area_mu}", "rate: soy_corn_rate, quantity: area}")(
            _replace("interpretations: [I-008]", "interpretations: [I-998]")(
                _replace("subjects: [leading_enterprise, cooperative, family_farm, large_grower]", "subjects: [alien]")(
                    _replace("{when: {group: [三类户]}, param: veg_sanlei_share", "{when: {group: [四类户], subject: [martian]}, param: veg_sanlei_share")(t))))),
        TOILET: _replace("rules: [xzbf8.s5-4.indoor_flush, xzbf8.s5-4.three_cell_or_double_urn]", "rules: [nope]")})
    problems = _problems(d)
    industry, toilet = str(d.resolve() / INDUSTRY), str(d.resolve() / TOILET)
    for en in ("duplicate rule id", "undeclared input", "unknown interpretation I-998", "unknown subject type alien",
               "unknown subject type martian", "unknown category group 四类户", "parameter soybean_rate is not used"):
        found = [p for p in problems if en in p.message["en"]]
        assert found and all(p.source == industry and p.message["zh"] for p in found), (en, found)
    assert [p.source for p in problems if "task table" in p.message["en"]] == [toilet]
    martian = next(p for p in problems if "martian" in p.message["en"])
    assert martian.message == {"zh": "未知主体类型 martian", "en": "unknown subject type martian"}


def test_rate_and_amount_cases_are_checked_against_the_vocabulary(tmp_path: Path) -> None:
    d = _pack(tmp_path, {INDUSTRY: lambda t: _replace("{when: {inputs: {city_tier: [县级城市]}}, param: store_county}",
                                                      "{when: {inputs: {city_tier: [县级城市]}, group: [五类户]}, param: store_county}")(
        _replace("{when: {inputs: {level_reached: [国家级]}}, param: leading_national}",
                 "{when: {inputs: {level_reached: [国家级]}, subject: [pirate]}, param: leading_national}")(t))})
    en = sorted(p.message["en"] for p in _problems(d))
    assert en == ["unknown category group 五类户", "unknown subject type pirate"]


def test_default_rules_dir_prefers_a_pack_beside_the_package_then_a_bundled_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINGXIAN_RULES", raising=False)
    from xingxian_subsidy.pack import loader as rules_module

    pkg = tmp_path / "site" / "xingxian_subsidy"
    (pkg / "pack").mkdir(parents=True)
    monkeypatch.setattr(rules_module, "__file__", str(pkg / "pack" / "loader.py"))
    assert default_rules_dir() == tmp_path / "site" / "rules", "no pack anywhere: the repository location"
    (pkg / "_rules").mkdir()
    (pkg / "_rules" / "pack.yaml").write_text("name: x\n", "utf-8")
    assert default_rules_dir() == pkg / "_rules", "a pack bundled in the package"
    (tmp_path / "site" / "rules").mkdir()
    (tmp_path / "site" / "rules" / "pack.yaml").write_text("name: x\n", "utf-8")
    assert default_rules_dir() == tmp_path / "site" / "rules", "a pack beside the package wins"


def test_yaml_float_lookalikes_that_are_no_decimal_stay_text(tmp_path: Path) -> None:
    data, _ = load_with_lines(_write(tmp_path, "f.yaml", "a: 1.2.3\nb: 190:20:30.15\nc: .NaN\nd: -.Inf\ne: +.INF\nf: 1_0.5\n"))
    assert data == {"a": "1.2.3", "b": "190:20:30.15", "c": ".NaN", "d": "-.Inf", "e": "+.INF", "f": "1_0.5"}  # no underscores (issue 10)


def test_a_mapping_that_contains_itself_is_a_cycle_not_deep_nesting(tmp_path: Path) -> None:
    with pytest.raises(LoadFailure) as info:
        load_with_lines(_write(tmp_path, "c.yaml", "a: &a {b: *a}\n"))
    assert info.value.message == "an alias refers to itself (a cycle)"
    assert str(info.value) == "an alias refers to itself (a cycle)"


def test_nesting_limit_is_exactly_64_levels(tmp_path: Path) -> None:
    """64 levels below the top: 65 nested containers are read, 66 are refused (YAML and JSON alike)."""

    def nested(containers: int, opener: str, closer: str) -> str:
        return (opener * containers + closer * containers).replace('{"a": }', "{}")

    assert isinstance(load_with_lines(_write(tmp_path, "65.yaml", nested(65, "[", "]")))[0], list)
    with pytest.raises(LoadFailure):
        load_with_lines(_write(tmp_path, "66.yaml", nested(66, "[", "]")))
    for opener, closer in (("[", "]"), ('{"a": ', "}")):
        assert load_with_lines(_write(tmp_path, "65.json", nested(65, opener, closer)))[0] is not None
        with pytest.raises(LoadFailure) as info:
            load_with_lines(_write(tmp_path, "66.json", nested(66, opener, closer)))
        assert info.value.message == "nested deeper than 64 levels"
    assert load_with_lines(_write(tmp_path, "40.json", nested(40, '{"a": ', "}")))[0] is not None
    data, _ = load_with_lines(_write(tmp_path, "empty.json", '{"a": {}, "b": [], "c": [{}, []], "d": {"e": {}}}'))
    assert data == {"a": {}, "b": [], "c": [{}, []], "d": {"e": {}}}


def test_an_unreadable_file_says_why(tmp_path: Path) -> None:
    with pytest.raises(LoadFailure) as info:
        load_with_lines(tmp_path / "absent.yaml")
    assert info.value.message == "cannot read file: No such file or directory"


def test_misspelt_claim_keys_get_a_hint() -> None:
    with pytest.raises(InputError) as info:
        parse_applicant({"year": 2024, "applicant": {"name": "a", "subject": "合作社", "nmae": "b"},
                         "claims": [{"rule": "xzf5.s3-1.soybean", "input": {"area_mu": 1}, "projct": "p"}]}, PACK, source="s.yaml")
    got = {p.field: p.message["en"] for p in info.value.problems}
    assert got == {"applicant.nmae": "unknown field 'nmae'; did you mean 'name'?",
                   "claims.0.input": "unknown field 'input'; did you mean 'inputs'?",
                   "claims.0.projct": "unknown field 'projct'; did you mean 'project'?"}
