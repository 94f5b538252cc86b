"""engine.Evaluation: the award, and the award with one claim's inputs changed, are the very ones
compute gives — while only the changed claim (and, under a shared cap on units, the claims after
it) is evaluated again."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from xingxian_subsidy.engine import compute as compute_module
from xingxian_subsidy.engine.applicant import parse_applicant, read_applicant
from xingxian_subsidy.engine.compute import Evaluation, compute
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.selfservice.hints import rerun


def figures(award):
    """What a “what if” reads of an award (or of an Outcome): each line's status, amount, checks; the total."""
    return [(line.status, line.amount, list(line.checks)) for line in award.lines], award.total


EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_evaluation_gives_computes_award_and_reruns(pack, path):
    applicant, yr = read_applicant(path, pack)
    ev = Evaluation(applicant, yr)
    assert ev.award(pack).model_dump_json() == compute(applicant, yr, pack).model_dump_json()
    assert ev.award(pack).model_dump_json() == compute(applicant, yr, pack).model_dump_json()  # settling left the drafts alone
    for i, claim in enumerate(applicant.claims):
        for name, value in claim.inputs.items():
            changes = [Decimal(0), value * 2, value + Decimal("0.01"), Decimal(10) ** 6] if isinstance(value, Decimal) else (
                [not value] if isinstance(value, bool) else [])
            for new in changes:
                want = rerun(applicant, yr, i, {name: new})  # the old way: the whole award again
                assert ev.with_inputs(i, {name: new}).award().model_dump_json() == want.model_dump_json(), (i, name, new)
                assert figures(ev.with_inputs(i, {name: new}).outcome()) == figures(want)


def test_with_inputs_evaluates_only_the_changed_claim(pack, monkeypatch):
    applicant, yr = read_applicant(next(p for p in EXAMPLES if p.stem == "ordinary_household_courtyard_toilet"), pack)
    assert len(applicant.claims) >= 2
    ev = Evaluation(applicant, yr)
    seen: list[int] = []
    real = compute_module.evaluate_claim
    monkeypatch.setattr(compute_module, "evaluate_claim", lambda *a, **k: seen.append(a[3]) or real(*a, **k))
    ev.with_inputs(0, {"income_gain": Decimal(5000)}).award()
    assert seen == [0]


CONSTRUCTS = load_rules(Path(__file__).resolve().parent / "packs" / "constructs")


@pytest.mark.parametrize("claims", [
    [("t.chicken", "birds", 40, None), ("t.duck", "birds", 30, None), ("t.cattle", "head", 2, None), ("t.cattle", "head", 2, None)],
    [("t.hive", "hives", 4, "P1"), ("t.hive", "hives", 4, "P1"), ("t.hive", "hives", 4, None), ("t.sheep", "sheep", 10, None)],
])
def test_a_change_under_a_shared_cap_on_units_evaluates_the_later_claims_again(claims):
    """Units counted under a cap shared between claims: raising or dropping one claim's count
    changes what the claims after it may count; the rerun must see that."""
    data = {"year": 2025, "applicant": {"name": "甲", "subject": "农户", "category": "边缘易致贫户"},
            "claims": [{"rule": r, "inputs": {k: v}, **({"project": p} if p else {})} for r, k, v, p in claims]}
    applicant, yr = parse_applicant(data, CONSTRUCTS, source="t")
    ev = Evaluation(applicant, yr)
    assert any(d.units for d in ev.drafts)
    for i, (_, name, _, _) in enumerate(claims):
        for n in (0, 1, 5, 50, 60):
            want = rerun(applicant, yr, i, {name: Decimal(n)})
            assert ev.with_inputs(i, {name: Decimal(n)}).award().model_dump_json() == want.model_dump_json(), (i, n)
            assert figures(ev.with_inputs(i, {name: Decimal(n)}).outcome()) == figures(want)


def test_a_fresh_draft_copies_every_field():
    """Settling works on copies (``_fresh``): a field added to Draft must be copied too."""
    import dataclasses

    from xingxian_subsidy.engine.context import Draft

    assert [f.name for f in dataclasses.fields(Draft)] == [
        "rule", "project", "status", "amount", "inputs", "checks", "steps", "missing", "interps", "units", "tier", "applicant_value"]
