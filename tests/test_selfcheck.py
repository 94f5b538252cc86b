"""The repository checks itself: the rule pack against the published text, the engine against habit 2,
the interpretations register against its use, the cases against the rules.

The policy texts live outside the repository (../shared/policy); where they are absent the quote
check is skipped with the reason, never silently passed.
"""

from __future__ import annotations

import ast
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from paths import CASES_DIRS, RULES_DIR, SOURCES_DIR

from xingxian_subsidy.core.yamlio import load_with_lines
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.pack.quotes import all_quotes, check_quotes

ROOT = Path(__file__).resolve().parents[1]
POLICY = SOURCES_DIR
RULES = RULES_DIR
ENGINE = sorted((ROOT / "xingxian_subsidy" / "engine").glob("*.py")) + [ROOT / "xingxian_subsidy" / "pack" / "semantics.py"]
ALLOWED_LITERALS = {0, 1, 100}

needs_policy = pytest.mark.skipif(
    not (POLICY / "README.md").exists(),
    reason=f"policy texts not found at {POLICY}: the verbatim-quote check needs the published documents",
)


# ---------------------------------------------------------------- quotes


@needs_policy
def test_every_quote_is_verbatim_in_the_policy_text(pack):
    problems = check_quotes(pack, POLICY)
    assert problems == [], "\n".join(p.text("en") for p in problems)


@needs_policy
def test_quote_check_catches_an_altered_quote(tmp_path):
    """The check is not vacuous: change one character of one quote and it is reported."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    path = copy / "2024" / "xzbf-2024-8_rural-toilet-revolution.yaml"
    text = path.read_text(encoding="utf-8")
    assert "用于洁具采购" in text
    path.write_text(text.replace("用于洁具采购", "用于洁具购置"), encoding="utf-8")
    problems = check_quotes(load_rules(copy), POLICY)
    assert problems, "an altered quote must be reported"
    assert all("rural-toilet-revolution" in p.source for p in problems)
    assert any("洁具购置" in p.message["en"] for p in problems)


def test_a_value_its_quote_does_not_write_is_refused_at_load(tmp_path):
    """The loader checks each value against its own quote: 5000 quoted as 6000 does not load."""
    from xingxian_subsidy.core.errors import RuleDataError

    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    path = copy / "2024" / "xzbf-2024-8_rural-toilet-revolution.yaml"
    text = path.read_text(encoding="utf-8")
    assert "每座补助 5000 元" in text
    path.write_text(text.replace("每座补助 5000 元", "每座补助 6000 元"), encoding="utf-8")
    with pytest.raises(RuleDataError) as err:
        load_rules(copy)
    assert any("three_cell_rate" in (p.field or "") and "5000" in p.message["en"] for p in err.value.problems)


def test_every_rule_and_condition_has_a_quote(pack):
    quotes = all_quotes(pack)
    assert len(quotes) > 100
    empty = [where for _, where, quote in quotes if not quote.strip()]
    assert empty == []


# ---------------------------------------------------------------- parameters and documents


def _parameters(pack):
    for yr in pack.years.values():
        for doc_id, params in yr.parameters.items():
            for name, p in params.items():
                yield doc_id, name, p


def test_every_parameter_has_a_quote_a_section_and_a_known_unit(pack):
    params = list(_parameters(pack))
    assert len(params) >= 60
    units = {u for yr in pack.years.values() for u in yr.vocabulary.unit_spellings()}  # the pack's declared units
    bad = [
        f"{doc}.{name}: unit={p.unit!r} quote={p.quote!r} section={p.section!r}"
        for doc, name, p in params
        if not p.quote.strip() or not p.section.strip() or p.unit not in units
    ]
    assert bad == []


def test_every_parameter_value_is_an_exact_decimal(pack):
    for doc, name, p in _parameters(pack):
        assert isinstance(p.value, Decimal), (doc, name)
        assert p.value.is_finite() and p.value >= 0, (doc, name, p.value)


def test_every_parameter_value_appears_in_its_quote(pack):
    """A rate of 200 must be quoted from a sentence that says 200 (or 20%, or 200万 for 2000000)."""
    missing = []
    for doc, name, p in _parameters(pack):
        if p.unit == "天":  # the day-count basis is an interpretation (I-010), not a number of the text
            continue
        quote = re.sub(r"\s+", "", p.quote)
        v = p.value
        forms = {format(v.normalize(), "f")}
        if p.unit == "比例":
            forms.add(format((v * 100).normalize(), "f") + "%")
            if v == 1:
                forms.add("全额")
        if v >= 10000 and v % 10000 == 0:
            wan = format((v / 10000).normalize(), "f")
            forms |= {wan + "万", wan + "-", "-" + wan + "万"}  # 200万, and the ends of a range 3-5万
        if not any(f in quote for f in forms):
            missing.append(f"{doc}.{name} = {v} ({p.unit}): none of {sorted(forms)} in “{p.quote}”")
    assert missing == []


def test_every_rule_document_has_a_gazette_page(pack):
    yr = pack.for_year(2024)
    assert len(yr.rules) >= 40
    for rid, rule in yr.rules.items():
        assert rule.document is not None, rid
        assert isinstance(rule.document.gazette_page, int) and rule.document.gazette_page >= 1, rid
        assert rule.document.gazette.strip(), rid


@needs_policy
def test_gazette_pages_match_the_policy_readme(pack):
    readme = (POLICY / "README.md").read_text(encoding="utf-8")
    for doc in pack.for_year(2024).documents.values():
        row = next((line for line in readme.splitlines() if doc.source_file in line), None)
        assert row is not None, doc.source_file
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[-1] == str(doc.gazette_page), (doc.number, cells)
        assert cells[2] == doc.number and cells[3] == str(doc.date), (doc.number, cells)


# ---------------------------------------------------------------- the engine holds no numbers of policy


def numeric_literals(source: str) -> list[tuple[int, object]]:
    """(line, value) of every int/float/complex constant other than 0, 1 and 100."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
            if node.value not in ALLOWED_LITERALS:
                found.append((node.lineno, node.value))
    return sorted(found)


def test_engine_has_no_numeric_literal_but_0_1_100():
    found = {path.name: numeric_literals(path.read_text(encoding="utf-8")) for path in ENGINE}
    assert found == {path.name: [] for path in ENGINE}


def test_literal_scan_would_catch_a_rate():
    sample = "def f(x):\n    if x >= 2000:\n        return x * 0.6 + 1\n    return 100 - True\n"
    assert numeric_literals(sample) == [(2, 2000), (3, 0.6)]


# ---------------------------------------------------------------- interpretations register


def _ids_in(path: Path) -> set[str]:
    return set(re.findall(r"\bI-\d{3}\b", path.read_text(encoding="utf-8")))


def test_every_interpretation_is_referenced_and_every_reference_exists(pack):
    for year, yr in pack.years.items():
        register = set(yr.interpretations)
        assert len(register) >= 25
        referenced: set[str] = set()
        folder = RULES / str(year)
        while (folder / "overlay.yaml").exists():  # a year made as an overlay refers through the year it changes
            referenced |= _ids_in(folder / "overlay.yaml")
            folder = RULES / str(int(folder.name) - 1)
        for path in folder.glob("*.yaml"):
            if path.name != "interpretations.yaml":
                referenced |= _ids_in(path)
        assert register - referenced == set(), f"{year}: interpretations never referenced by a rule or the vocabulary"
        assert referenced - register == set(), f"{year}: references to interpretations missing from the register"


# ---------------------------------------------------------------- cases


def _case_files():
    return [p for d in CASES_DIRS for p in sorted(d.glob("*.yaml"))]


def test_every_rule_of_every_year_has_at_least_one_case(pack):
    used: dict[int, set[str]] = {}
    for path in _case_files():
        data, _ = load_with_lines(path)
        for case in data["cases"]:
            year = case["applicant"].get("year")
            used.setdefault(year, set()).update(c["rule"] for c in case["applicant"].get("claims", []))
    missing = {year: sorted(set(yr.rules) - used.get(year, set())) for year, yr in pack.years.items()}
    assert missing == {year: [] for year in pack.years}


def test_every_case_names_its_arithmetic_or_reason():
    """Case names are sentences a caseworker can check: each states its figures or its outcome."""
    for path in _case_files():
        data, _ = load_with_lines(path)
        names = [case["name"] for case in data["cases"]]
        assert len(names) == len(set(names)), f"{path.name}: two cases share a name"
        for name in names:
            assert re.search(r"\d|待补充|未量化|不符|不予|主体|未满足", name), (path.name, name)


def test_the_published_texts_travel_with_the_pack():
    """rules/sources holds the texts every quote is checked against, and the wheel carries them
    (pyproject's package data for xingxian_subsidy._rules matches every file of the pack)."""
    import fnmatch
    import tomllib

    from xingxian_subsidy.pack.quotes import default_sources

    pack = load_rules(RULES)
    assert default_sources(pack) == RULES / "sources"
    assert check_quotes(pack) == [], "every quote is verbatim in the shipped texts"
    for doc in pack.for_year(2024).documents.values():
        assert (RULES / "sources" / doc.source_file).is_file(), doc.source_file
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["xingxian_subsidy._rules"]
    files = [p.relative_to(RULES).as_posix() for p in RULES.rglob("*") if p.is_file()]
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) and f.count("/") == pat.count("/") for pat in patterns)]
    assert missing == [], "files of the pack the wheel would leave out"
