"""Fuzzing applicant data: a correct result or a located, bilingual message, never a traceback.

Township staff type applicant files by hand and paste numbers from
spreadsheets, so the engine sees wrong types, negative and huge numbers,
blank and whitespace strings, full-width digits (１２０), thousands separators
("1,200"), units written in ("120亩"), unknown subjects, misspelt keys, nested
junk, floats and undecodable bytes. For every such input:

* in-process (``parse_applicant`` → ``compute``): either an Award whose total is
  the sum of its lines, each line ≥ 0 with at most two decimals, or an
  InputError / YearNotCovered whose every Problem has a source and a zh and an
  en message; any other exception fails the test;
* through ``calc`` on a file: exit code 0 or 2, never a traceback.

Which friendly forms are accepted is decided in docs/input-forms.md; the
accepted ones are checked here to give *the same award* as the plain number
(a metamorphic test over every caseworker case), the rejected ones to give a
message on that very field.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from case_runner import load_cases

from xingxian_subsidy.cli import app
from xingxian_subsidy.core.errors import InputError, SubsidyError, YearNotCovered
from xingxian_subsidy.engine.applicant import parse_applicant
from xingxian_subsidy.engine.compute import compute
from xingxian_subsidy.engine.models import Award
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.render.award import to_json

PACK = load_rules()
YR = PACK.for_year(2024)
RULES = YR.rules
CASES = load_cases()
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_CLI = settings(FUZZ, max_examples=max(EXAMPLES // 3, 10))  # each example writes a file and runs the command
BOUND = Decimal("1e15")  # the engine's largest accepted number (engine.parse_value)

NUMERIC = {
    (rid, s.name): s for rid, r in RULES.items() for s in r.inputs if s.type in ("decimal", "integer", "money")
}
SUBJECT_WORDS = sorted({w for s in YR.vocabulary.subjects for w in (s.id, s.label.zh, s.label.en, *s.aliases)})
CATEGORY_WORDS = sorted({w for c in YR.vocabulary.categories for w in (c.id, c.label.zh, c.label.en, *c.aliases)})


# ------------------------------------------------------------------ checking an outcome


def check_problems(exc: SubsidyError) -> None:
    assert exc.problems, f"{type(exc).__name__} without problems"
    for p in exc.problems:
        assert isinstance(p.source, str) and p.source.strip(), p
        assert p.message.get("zh", "").strip() and p.message.get("en", "").strip(), p
        assert "Traceback" not in p.message["en"]
        p.text("zh"), p.text("en")  # renders


def check_award(award: Award) -> None:
    assert isinstance(award.total, Decimal)
    assert award.total == sum((line.amount for line in award.lines), Decimal(0))
    for line in award.lines:
        assert isinstance(line.amount, Decimal) and line.amount.is_finite()
        assert line.amount >= 0, (line.rule_id, line.amount)
        assert line.amount.as_tuple().exponent >= -2, (line.rule_id, line.amount)  # type: ignore[operator]
        if line.status != "awarded":
            assert line.amount == 0 or line.status == "limited", (line.rule_id, line.status, line.amount)
    data = json.loads(to_json(award))  # lossless: every amount back to the same Decimal
    assert Decimal(data["total"]) == award.total
    assert [Decimal(x["amount"]) for x in data["lines"]] == [x.amount for x in award.lines]


def outcome(data: Any) -> Award | SubsidyError:
    """parse_applicant → compute; only the library's own errors may come out."""
    try:
        applicant, yr = parse_applicant(data, PACK, source="fuzz.yaml")
        award = compute(applicant, yr, PACK)
    except (InputError, YearNotCovered) as exc:
        check_problems(exc)
        return exc
    check_award(award)
    return award


# ------------------------------------------------------------------ strategies

FULL = str.maketrans("0123456789.-+,", "０１２３４５６７８９．－＋，")


def fullwidth(text: str) -> str:
    return text.translate(FULL)


def grouped(value: Decimal) -> str:
    """``1234567.5`` → ``1,234,567.5`` (a well-formed thousands separator)."""
    text = format(value, "f")
    whole, _, frac = text.partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-(10**18), max_value=10**18),
    st.text(max_size=12),
    st.sampled_from(["", " ", "\u3000", "\t", "#N/A", "=1+1", "NaN", "Infinity", "-0", "1e400", "是", "否", "无"]),
)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


@st.composite
def number_text(draw: st.DrawFn, unit: str | None) -> Any:
    """A number as people write it: plain, full-width, grouped, unit written in, padded, or signed."""
    value = draw(st.one_of(
        st.integers(min_value=-1000, max_value=10**13).map(Decimal),
        st.decimals(min_value=0, max_value=10**13, places=2, allow_nan=False, allow_infinity=False),
        st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
        st.sampled_from([Decimal("1e15"), Decimal("1e15") + 1, Decimal("1e16"), Decimal("1e30")]),
    ))
    text = draw(st.sampled_from([format(value, "f"), grouped(value) if value >= 0 else format(value, "f")]))
    if draw(st.booleans()) and unit:
        text += draw(st.sampled_from(["", " "])) + unit
    if draw(st.booleans()):
        text = fullwidth(text)
    pad = draw(st.sampled_from(["", " ", "\u3000", "\t"]))
    return draw(st.sampled_from([text, pad + text + pad, value if value == value.to_integral_value() else text]))


def raw_value(spec: Any) -> st.SearchStrategy[Any]:
    if spec.type in ("decimal", "integer", "money"):
        return st.one_of(number_text(spec.unit), junk)
    if spec.type == "boolean":
        return st.one_of(st.sampled_from(["是", "否", "有", "无", "yes", "no", "Y", "√", "×", 1, 0, 2, True, False]), junk)
    return st.one_of(st.sampled_from([c.value for c in spec.choices] + [c.label.en for c in spec.choices]), junk)


def misspell(word: str) -> st.SearchStrategy[str]:
    return st.integers(min_value=0, max_value=max(len(word) - 1, 0)).map(lambda i: word[:i] + word[i + 1:] if len(word) > 1 else word + "x")


@st.composite
def claims(draw: st.DrawFn) -> Any:
    rid = draw(st.sampled_from(sorted(RULES)))
    rule = RULES[rid]
    inputs: dict[Any, Any] = {}
    for spec in rule.inputs:
        if draw(st.integers(0, 4)):
            inputs[spec.name] = draw(raw_value(spec))
    if rule.inputs and draw(st.integers(0, 6)) == 0:
        inputs[draw(misspell(rule.inputs[0].name))] = draw(junk)
    claim: dict[str, Any] = {"rule": draw(st.one_of(st.just(rid), misspell(rid), junk)) if draw(st.integers(0, 8)) == 0 else rid,
                             "inputs": inputs if draw(st.integers(0, 10)) else draw(junk)}
    if draw(st.booleans()):
        claim["project"] = draw(st.one_of(st.sampled_from(["项目A", "项目B"]), junk))
    if draw(st.integers(0, 10)) == 0:
        claim[draw(st.sampled_from(["input", "rules", "projet", "amount"]))] = draw(junk)
    return claim


@st.composite
def applicant_data(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(junk)  # not even a mapping
    info: dict[str, Any] = {
        "name": draw(st.one_of(st.just("王秀英"), st.text(max_size=5), junk)),
        "subject": draw(st.one_of(st.sampled_from(SUBJECT_WORDS), st.sampled_from(SUBJECT_WORDS).map(lambda w: f" {w}\u3000"), st.text(max_size=6), junk)),
    }
    if draw(st.booleans()):
        info["category"] = draw(st.one_of(st.sampled_from(CATEGORY_WORDS), st.text(max_size=6), junk))
    if draw(st.integers(0, 8)) == 0:
        info[draw(st.sampled_from(["subjct", "catgory", "nmae", "id"]))] = draw(junk)
    data: dict[str, Any] = {
        "year": draw(st.one_of(st.just(2024), st.sampled_from([2023, 2025, "2024", " 2024 ", Decimal("2024.0"), 2024.0, 1999, 2101]), junk))
        if draw(st.integers(0, 5)) == 0 else 2024,
        "applicant": info if draw(st.integers(0, 20)) else draw(junk),
        "claims": draw(st.lists(claims(), max_size=4)) if draw(st.integers(0, 20)) else draw(junk),
    }
    for key in draw(st.lists(st.sampled_from(["year", "applicant", "claims"]), max_size=1)):
        del data[key]
    if draw(st.integers(0, 10)) == 0:
        data[draw(st.sampled_from(["yaer", "claim", "applicants", "备注"]))] = draw(junk)
    return data


# ------------------------------------------------------------------ in-process fuzz


@FUZZ
@given(applicant_data())
@example({"year": 2024, "applicant": {"name": "x", "subject": "农户"}, "claims": [{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {"income_gain": "１，２００元"}}]})
@example({"year": 2024, "applicant": {"name": "x", "subject": "合作社"}, "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": 12.5}}]})
@example({"year": 2024, "applicant": {"name": "x", "subject": "合作社"}, "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": {"a": [1]}}}]})
@example([1, 2, 3])
@example(None)
def test_fuzzed_applicant_gives_result_or_located_message(data: Any) -> None:
    outcome(data)


def _seed_claims() -> list[tuple[str, dict[str, Any], int, str]]:
    """(case id, applicant data, claim index, numeric input name) for every numeric input of every case."""
    out = []
    for case in CASES:
        data = case.data["applicant"]
        for i, claim in enumerate(data.get("claims") or []):
            for key, value in (claim.get("inputs") or {}).items():
                spec = NUMERIC.get((claim.get("rule"), key))
                if spec is not None and value is not None and str(value).strip():
                    out.append((case.id, data, i, key))
    return out


SEEDS = _seed_claims()


def _with_input(data: dict[str, Any], i: int, key: str, value: Any) -> dict[str, Any]:
    claims_ = [dict(c) for c in data["claims"]]
    claims_[i] = {**claims_[i], "inputs": {**claims_[i]["inputs"], key: value}}
    return {**data, "claims": claims_}


def _summary(award: Award) -> list[tuple[str, str, Decimal]]:
    return [(x.rule_id, x.status, x.amount) for x in award.lines]


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_accepted_friendly_forms_give_the_same_award_as_the_plain_number(seed: Any, draw: st.DataObject) -> None:
    """Full-width digits, thousands separators, the input's own unit and padding change nothing."""
    case_id, data, i, key = seed
    spec = NUMERIC[(data["claims"][i]["rule"], key)]
    plain = outcome(data)
    assume(isinstance(plain, Award))
    typed = parse_applicant(data, PACK, source=case_id)[0].claims[i].inputs[key]
    forms = [format(typed, "f"), grouped(typed), fullwidth(format(typed, "f")), fullwidth(grouped(typed)),
             f"\u3000{typed}\t", f" {grouped(typed)} ", typed]
    forms += [f"{typed}{spec.unit}", f"{grouped(typed)} {spec.unit}", fullwidth(grouped(typed)) + spec.unit]
    if typed == typed.to_integral_value():
        forms.append(int(typed))
    form = draw.draw(st.sampled_from(forms), label="form")
    again = outcome(_with_input(data, i, key, form))
    assert isinstance(again, Award), (case_id, key, form, again)
    assert _summary(again) == _summary(plain), (case_id, key, form)
    assert again.total == plain.total


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_any_written_form_gives_the_same_award_or_a_message_on_that_field(seed: Any, draw: st.DataObject) -> None:
    """Whatever people type around a number, it is read as that number or refused on that field, never as another number."""
    case_id, data, i, key = seed
    spec = NUMERIC[(data["claims"][i]["rule"], key)]
    plain = outcome(data)
    assume(isinstance(plain, Award))
    typed = parse_applicant(data, PACK, source=case_id)[0].claims[i].inputs[key]
    text = draw.draw(st.sampled_from([format(typed, "f"), grouped(typed), fullwidth(grouped(typed))]), label="number")
    before = draw.draw(st.sampled_from(["", " ", "约", "≈", "+", "＋", "¥", "￥", "RMB", "共"]), label="before")
    after = draw.draw(st.sampled_from(["", " ", spec.unit, "元", "亩", "m2", "平方米", "万", "万元", "%", "％", "个", "头", ".", "。", "整", "左右"]), label="after")
    form = before + text + after
    again = outcome(_with_input(data, i, key, form))
    if isinstance(again, Award):
        assert _summary(again) == _summary(plain), (case_id, key, form)
    else:
        assert isinstance(again, InputError), (form, again)
        assert [p.field for p in again.problems] == [f"claims.{i}.inputs.{key}"], (form, again.problems)


REJECTED = ["一百二十", "三", "1.2万", "120斤", "12%", "-5", "－５", "−5", "#N/A", "=1+1", "1/2", "N/A", "约120",
            "120-150", "0x10", "1e400", "NaN", "inf", "true", [], {}, [120], True, 1.5, float("nan"),
            # more than one reading (docs/input-forms.md): decimal comma, run-together numbers, look-alike digits
            "1,5", "12,00", "1,2,3,4", "1 2", "1 200", "①②", "12²", "120m2"]


@pytest.mark.parametrize("form", REJECTED, ids=repr)
def test_rejected_forms_name_the_field(form: Any) -> None:
    """Forms that are not a number of the input's unit are refused on that field, never read as some number."""
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": form}}]}
    result = outcome(data)
    assert isinstance(result, InputError), (form, result)
    assert [p.field for p in result.problems] == ["claims.0.inputs.area_mu"], result.problems


@pytest.mark.parametrize("blank", ["", " ", "\u3000", "\t\n", None])
def test_blank_is_missing_never_zero(blank: Any) -> None:
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": blank}}]}
    award = outcome(data)
    assert isinstance(award, Award)
    assert award.lines[0].status == "undecided" and [m.name for m in award.lines[0].missing] == ["area_mu"]


# ------------------------------------------------------------------ huge numbers: exact, or refused


@FUZZ
@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
@example(Decimal("999999999999.99"))
@example(Decimal("1000000000000.00"))
@example(Decimal("0.01"))
def test_money_up_to_10_to_the_12_stays_exact(cost: Decimal) -> None:
    """展位成本 × 50%, to the fen with ROUND_HALF_UP, through the model and through JSON."""
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": grouped(cost)}}]}
    award = outcome(data)
    assert isinstance(award, Award)
    want = (cost * Decimal("0.50")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert award.total == want
    assert json.loads(to_json(award))["total"] == f"{want:.2f}"


@FUZZ
@given(st.integers(min_value=0, max_value=10**12))
def test_counts_up_to_10_to_the_12_stay_exact(seedlings: int) -> None:
    data = {"year": 2024, "applicant": {"name": "兴县某村股份经济联合社", "subject": "村集体"},  # no 200万 cap for collectives
            "claims": [{"rule": "xzf5.s3-2.seedlings", "inputs": {"green_base": "是", "seedlings": seedlings}}]}
    award = outcome(data)
    assert isinstance(award, Award)
    assert award.total == (Decimal(seedlings) * Decimal("0.6")).quantize(Decimal("0.01"))
    assert Decimal(json.loads(to_json(award))["total"]) == award.total


@FUZZ
# (at most 40 places: 41 digits before the point and 40 after stay within the number reader's
# 100 characters; a longer text is refused as over-long, which is another message)
@given(st.decimals(min_value=BOUND, max_value=Decimal("1e40"), allow_nan=False, allow_infinity=False, places=40).filter(lambda d: d > BOUND))
@example(BOUND + Decimal("0.01"))
def test_numbers_above_the_engine_bound_are_refused_with_a_message(value: Decimal) -> None:
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": format(value, "f")}}]}
    result = outcome(data)
    assert isinstance(result, InputError)
    assert "10^15" in result.problems[0].message["en"] and "10^15" in result.problems[0].message["zh"]


def test_the_engine_bound_itself_is_accepted() -> None:
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": "1000000000000000"}}]}
    award = outcome(data)
    assert isinstance(award, Award) and award.total == Decimal("500000000000000.00")


@FUZZ
@given(st.fixed_dictionaries({
    "loan_principal": st.sampled_from(["1", "1000000", "1000000000000000"]),
    "benchmark_rate_percent": st.sampled_from(["0", "3.45", "100", "1000000000000000"]),
    "loan_days": st.sampled_from(["0", "1", "366", "1000000000000000"]),
    "interest_paid": st.sampled_from(["0", "1", "1000000000000000"]),
}))
@example({"loan_principal": "1000000000000000", "benchmark_rate_percent": "1000000000000000",
          "loan_days": "1000000000000000", "interest_paid": "1"})
def test_inputs_within_the_bound_never_overflow_the_arithmetic(inputs: dict[str, str]) -> None:
    """Every input ≤ 10^15 is accepted one by one, so their product must not crash the rounding."""
    data = {"year": 2024, "applicant": {"name": "兴县某龙头企业", "subject": "龙头企业"},
            "claims": [{"rule": "xzf5.s3-8.loan_interest", "inputs": {"provincial_leading": "是", "benefit_linkage": "是", **inputs}}]}
    outcome(data)


# ------------------------------------------------------------------ through the CLI, from files

RUNNER = CliRunner()


def _dump(data: Any, form: str) -> bytes:
    def plain(x: Any) -> Any:  # YAML/JSON writers know no Decimal: write it as the number it is
        if isinstance(x, Decimal):
            return float(x) if x.is_finite() else str(x)
        if isinstance(x, dict):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, list):
            return [plain(v) for v in x]
        return x

    if form == "json":
        return json.dumps(plain(data), ensure_ascii=False).encode()
    text = yaml.safe_dump(plain(data), allow_unicode=True)
    if form == "gbk":
        return text.encode("gbk", errors="replace")
    if form == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode()


def run_calc(path: Path, *args: str) -> Any:
    result = RUNNER.invoke(app, ["calc", str(path), *args])
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.strip(), "exit 2 needs a message on stderr"
    return result


def _check_json_stdout(result: Any) -> None:
    if result.exit_code == 0:
        data = json.loads(result.stdout)
        assert Decimal(data["total"]) == sum((Decimal(x["amount"]) for x in data["lines"]), Decimal(0))


@FUZZ_CLI
@given(applicant_data(), st.sampled_from(["yaml", "json", "gbk", "utf-8-sig"]), st.sampled_from([".yaml", ".json", ".yml", ".txt"]))
def test_calc_on_fuzzed_files_exits_0_or_2(tmp_path_factory: pytest.TempPathFactory, data: Any, form: str, suffix: str) -> None:
    path = tmp_path_factory.mktemp("calc") / f"applicant{suffix}"
    path.write_bytes(_dump(data, form))
    _check_json_stdout(run_calc(path, "--format", "json"))


@FUZZ_CLI
@given(st.binary(max_size=200))
@example(b"\xff\xfe\x00\x00")
@example("year: 2024\napplicant: {name: 王秀英, subject: 农户}\n".encode("gbk"))
@example(b"year: 2024\napplicant: {name: \xc3\x28, subject: x}\n")
@example(b"{\"year\": 2024, \"applicant\": {\"name\": \"x\", \"subject\": \"\xe5\x86\x9c\xe6\x88\xb7\"}, \"claims\": [{\"rule\": \"xzf5.s3-1.soybean\", \"inputs\": {\"area_mu\": 1.1e400}}]}")
@example(b"{\"year\": NaN}")
@example(b"- !!python/object:os.system [echo]")
@example(b"\x00\x00\x00")
def test_calc_on_arbitrary_bytes_exits_0_or_2(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    for suffix in (".yaml", ".json"):
        path = tmp_path_factory.mktemp("bytes") / f"applicant{suffix}"
        path.write_bytes(raw)
        run_calc(path)


@pytest.mark.parametrize(
    "name, raw",
    [
        ("alias-cycle.yaml", b"a: &a [*a]\n"),
        ("deep.yaml", b"[" * 500 + b"]" * 500),
        ("deep.json", b"[" * 3000 + b"]" * 3000),
    ],
)
def test_self_referencing_or_deeply_nested_files_are_refused_with_a_message(tmp_path: Path, name: str, raw: bytes) -> None:
    """A YAML alias that contains itself, or nesting deeper than Python's recursion limit, is bad input (exit 2)."""
    path = tmp_path / name
    path.write_bytes(raw)
    run_calc(path)


def test_a_tiny_exponent_does_not_blow_up_the_explanation() -> None:
    """``1e-1000000`` 亩 is ≥ 0 and ≤ 10^15, but written out it has a million digits: refuse it, or keep the output small."""
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": "1e-1000000"}}]}
    result = outcome(data)
    if isinstance(result, Award):
        assert len(to_json(result)) < 100_000


@pytest.mark.parametrize("zero", ["-0", "-0.00", "－０", Decimal("-0")])
def test_minus_zero_never_gives_a_negative_looking_amount(zero: Any) -> None:
    """``-0`` is not negative, so it is accepted; but no line or total may then read ``-0.00``."""
    data = {"year": 2024, "applicant": {"name": "兴县某合作社", "subject": "合作社"},
            "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": zero}},
                       {"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": zero}}]}
    award = outcome(data)
    assert isinstance(award, Award)
    out = json.loads(to_json(award))
    assert [line["amount"] for line in out["lines"]] == ["0.00", "0.00"], out["lines"]
    assert out["total"] == "0.00"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_50_mb_file_is_refused_with_a_message(tmp_path: Path, suffix: str) -> None:
    """One applicant's file is a few KB; 50 MB (of a claims list, or of noise) is refused, not parsed for minutes."""
    path = tmp_path / f"big{suffix}"
    claim = b'{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": "1.5"}}, '
    body = b'{"year": 2024, "applicant": {"name": "x", "subject": "cooperative"}, "claims": [' + claim * (50_000_000 // len(claim)) + b"]}"
    path.write_bytes(body)
    result = run_calc(path)
    assert result.exit_code == 2 and "MB" in result.stderr


def test_calc_json_with_floats_is_read_exactly(tmp_path: Path) -> None:
    """A JSON float is read as the decimal written in the file (12.35 亩 × 300 = 3705.00), never as a binary float."""
    path = tmp_path / "a.json"
    path.write_text('{"year": 2024, "applicant": {"name": "x", "subject": "合作社"},'
                    ' "claims": [{"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": 12.35}}]}', "utf-8")
    result = run_calc(path, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == "3705.00"


@pytest.mark.parametrize(
    "raw",
    [
        "year: 2024\napplicant: {name: 王秀英, subject: 农户}\nclaims: [{rule: xzbf8.s5-4.indoor_flush, inputs: {township_self_inspection_passed: 是, county_reinspection_passed: 是}}]\n".encode("gbk"),
        b"year: 2024\napplicant: {name: \xff\xfe, subject: x}\n",
        b"year: [2024\n",
        b"",
    ],
    ids=["gbk", "invalid-utf8", "syntax", "empty"],
)
def test_calc_in_a_real_process_never_prints_a_traceback(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "applicant.yaml"
    path.write_bytes(raw)
    proc = subprocess.run([sys.executable, "-m", "xingxian_subsidy", "calc", str(path), "--format", "json"],
                          capture_output=True, timeout=60)
    assert proc.returncode in (0, 2), proc.stderr.decode(errors="replace")
    assert b"Traceback" not in proc.stderr and b"Traceback" not in proc.stdout
    if proc.returncode == 2:
        assert proc.stderr.strip()
    else:
        assert json.loads(proc.stdout)["total"] == "2000.00"  # the GBK file is read as GBK: 王秀英's toilet
