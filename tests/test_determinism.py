"""Determinism: the same input gives byte-identical output; order of independent claims does not matter.

An auditor recomputes an award from its JSON months later, on another
machine, and compares bytes. So:

* ``calc --format json`` prints the same bytes on a rerun, in another process
  and under another hash seed (set iteration order changes with
  PYTHONHASHSEED);
* claims whose rules have no cross-claim effect (no once-per-household group,
  no 择高 exclusive group, no project- or household-wide cap) give the same
  lines, up to order, whatever order they are listed in, and the same lines
  together as each one alone;
* amounts up to 10^12 元 come out of the JSON exactly, to the fen.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from case_runner import load_cases

from xingxian_subsidy.cli import app
from xingxian_subsidy.engine.calculate import calculate
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.render.award import to_json, to_json_data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
PACK = load_rules()
YR = PACK.for_year(2024)
RUNNER = CliRunner()

INDEPENDENT = {
    rid for rid, r in YR.rules.items()
    if not r.once_per_applicant and not r.exclusive_group and all(c.scope == "claim" for c in r.caps)
}

# One cooperative with many claims, several of them at 10^12 元 or just under.
BIG = {
    "year": 2024,
    "applicant": {"name": "兴县某农民专业合作社", "subject": "合作社", "township": "蔚汾镇"},
    "claims": [
        {"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": "999999999999.99"}},
        {"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": "1000000000000"}},
        {"rule": "xzf5.s3-10.expo_booth", "inputs": {"booth_cost": "0.01"}},
        {"rule": "xzf5.s3-1.soybean", "inputs": {"area_mu": "3333333333.3333"}},
        {"rule": "xzf5.s3-10.direct_store", "inputs": {"city_tier": "一线城市", "stores": 6666666}},
        {"rule": "xzf5.s3-5.fungi_insurance", "inputs": {"premium": "123456789012.35"}},
        {"rule": "xzf5.s3-1.sanpin_yibiao", "inputs": {"products_certified": 3}},
        {"rule": "xzf5.s3-8.processing_investment", "inputs": {"new_fixed_assets": "999999999999.99"}},
    ],
}


def _expected_big_lines() -> list[Decimal]:
    def fen(x: Decimal) -> Decimal:
        return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    return [
        fen(Decimal("999999999999.99") * Decimal("0.50")),  # 499999999999.995 → .00 up
        fen(Decimal("1000000000000") * Decimal("0.50")),
        fen(Decimal("0.01") * Decimal("0.50")),  # 0.005 → 0.01 (half up, not half even)
        fen(Decimal("3333333333.3333") * 300),
        fen(Decimal(6666666) * 150000),
        fen(Decimal("123456789012.35") * Decimal("0.90")),
        Decimal("60000.00"),  # 4万 + 2 × 1万
        Decimal("2000000.00"),  # 20% capped at 200万
    ]


def _write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _calc_in_process(path: Path) -> str:
    result = RUNNER.invoke(app, ["calc", str(path), "--format", "json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _calc_in_subprocess(path: Path, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    proc = subprocess.run([sys.executable, "-m", "xingxian_subsidy", "calc", str(path), "--format", "json"],
                          capture_output=True, env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def test_big_amounts_are_exact_to_the_fen_through_json(tmp_path: Path) -> None:
    out = json.loads(_calc_in_process(_write(tmp_path / "big.yaml", BIG)))
    want = _expected_big_lines()
    assert [line["status"] for line in out["lines"]] == ["awarded"] * len(want)
    assert [line["amount"] for line in out["lines"]] == [f"{x:.2f}" for x in want]
    assert out["total"] == f"{sum(want, Decimal(0)):.2f}"
    assert all(isinstance(line["amount"], str) for line in out["lines"]), "amounts are JSON strings, never numbers"


def test_calc_json_is_byte_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.yaml", BIG)
    first = _calc_in_subprocess(path, "0")
    second = _calc_in_subprocess(path, "4242")
    assert first == second
    assert first.decode("utf-8") == _calc_in_process(path)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_gives_the_same_bytes_on_a_rerun(example: Path) -> None:
    first = _calc_in_process(example)
    assert _calc_in_process(example) == first
    # the command shows each line under every alternative reading it depends on (engine.readings)
    from xingxian_subsidy.engine.readings import calculate_file_with_alternatives

    assert to_json(calculate_file_with_alternatives(example, PACK)[0]) == first


# ------------------------------------------------------------------ order of claims


def _line_key(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True)


def _lines(data: dict[str, Any]) -> tuple[list[str], Decimal]:
    award = to_json_data(calculate(data, PACK))
    return sorted(_line_key(x) for x in award["lines"]), Decimal(award["total"])


def _independent_cases() -> list[Any]:
    out = []
    for case in load_cases():
        claims = (case.data["applicant"].get("claims") or [])
        if len(claims) >= 2 and all(c.get("rule") in INDEPENDENT for c in claims):
            out.append(case)
    return out


CASES_WITH_SEVERAL_INDEPENDENT_CLAIMS = _independent_cases()
SINGLE = [
    (case.data["applicant"], claim)
    for case in load_cases()
    for claim in case.data["applicant"].get("claims") or []
    if claim.get("rule") in INDEPENDENT
]


class _as_case:
    def __init__(self, data: dict[str, Any]):
        self.data, self.name = {"applicant": data}, "BIG"


def test_reordering_independent_claims_of_each_case_changes_nothing_but_the_order() -> None:
    checked = 0
    for case in CASES_WITH_SEVERAL_INDEPENDENT_CLAIMS + [_as_case(BIG)]:
        data = case.data["applicant"]
        want = _lines(data)
        for order in itertools.islice(itertools.permutations(data["claims"]), 1, 24):
            assert _lines({**data, "claims": list(order)}) == want, case.name
            checked += 1
    assert checked >= 23  # BIG alone has 8 claims: 23 reorderings


def _who(data: dict[str, Any]) -> tuple[Any, Any]:
    return data["applicant"].get("subject"), data["applicant"].get("category")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_independent_claims_give_the_same_lines_together_as_alone(draw: st.DataObject) -> None:
    """Claims of one applicant taken from different cases: each line as when computed alone, in any order."""
    applicant, first = draw.draw(st.sampled_from(SINGLE), label="first")
    same = [c for a, c in SINGLE if _who(a) == _who(applicant)]
    claims = [first] + draw.draw(st.lists(st.sampled_from(same), max_size=5), label="more")
    claims = draw.draw(st.permutations(claims), label="order")
    together = to_json_data(calculate({**applicant, "claims": claims}, PACK))
    alone = [to_json_data(calculate({**applicant, "claims": [c]}, PACK))["lines"][0] for c in claims]
    assert [_line_key(x) for x in together["lines"]] == [_line_key(x) for x in alone]
    assert Decimal(together["total"]) == sum((Decimal(x["amount"]) for x in alone), Decimal(0))
