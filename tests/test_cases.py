"""Caseworker-readable cases: tests/cases/*.yaml, each an applicant in and the expected lines out.

Format of a case file:

    cases:
      - name: 一句话说明（这个例子检验什么）
        applicant: {year: 2024, applicant: {...}, claims: [...]}
        expect:
          total: "300.00"                # exact, as a string
          lines:                         # in claim order, each compared exactly
            - {rule: <rule id>, status: awarded, amount: "300.00"}
          # optional, per line: missing: [input names], interpretations: [I-0xx], failed: [condition ids]
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from paths import CASES_DIRS

from xingxian_subsidy.core.yamlio import load_with_lines
from xingxian_subsidy.engine.applicant import parse_applicant
from xingxian_subsidy.engine.compute import compute


def _load_cases():
    out = []
    for path in (p for d in CASES_DIRS for p in sorted(d.glob("*.yaml"))):
        data, _ = load_with_lines(path)
        for i, case in enumerate(data["cases"]):
            out.append(pytest.param(case, id=f"{path.stem}[{i}]"))
    return out


CASES = _load_cases()


def test_there_are_cases():
    assert len(CASES) >= 1


@pytest.mark.parametrize("case", CASES)
def test_case(case, pack):
    applicant, yr = parse_applicant(case["applicant"], pack, source=case["name"])
    award = compute(applicant, yr, pack)
    expect = case["expect"]
    got_lines = award.lines
    assert len(got_lines) == len(expect["lines"]), case["name"]
    for got, want in zip(got_lines, expect["lines"]):
        assert got.rule_id == want["rule"], case["name"]
        assert got.status == want["status"], (case["name"], got.status, [c for c in got.checks if c.passed is not True])
        assert got.amount == Decimal(str(want["amount"])), (case["name"], got.amount)
        assert str(got.amount) == str(want["amount"]) if "." in str(want["amount"]) else True
        if "missing" in want:
            assert [m.name for m in got.missing] == want["missing"], case["name"]
        if "interpretations" in want:
            assert set(want["interpretations"]) <= set(got.interpretations), (case["name"], got.interpretations)
        if "failed" in want:
            assert sorted(c.id for c in got.checks if c.passed is False and c.op != "any_of") == sorted(want["failed"]), case["name"]
    assert award.total == Decimal(str(expect["total"])), (case["name"], award.total)
    assert award.total == sum((line.amount for line in got_lines), Decimal(0))
