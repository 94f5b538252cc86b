"""The answer's JSON written from shared pieces (web.answer) is byte for byte what pydantic writes."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from xingxian_subsidy.core.inputforms import surely_no_lone_surrogate
from xingxian_subsidy.engine.applicant import parse_applicant, read_applicant
from xingxian_subsidy.engine.compute import compute
from xingxian_subsidy.selfservice.hints import compute_hints, hint_data
from xingxian_subsidy.web import _calc
from xingxian_subsidy.web.answer import SharedJSON, award_json

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_web import bodies, heavy_body


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_award_json_is_pydantics_bytes_on_every_example(pack, path):
    applicant, yr = read_applicant(path, pack)
    award = compute(applicant, yr, pack)
    assert award_json(award) == award.model_dump_json().encode()
    assert award_json(award) == award.model_dump_json().encode()  # again, from the kept pieces


def test_award_json_is_pydantics_bytes_on_the_bench_bodies(pack):
    for body in bodies()[:16] + [heavy_body()]:
        applicant, yr = parse_applicant(json.loads(body), pack, source="t")
        award = compute(applicant, yr, pack)
        assert award_json(award) == award.model_dump_json().encode()


def test_related_hints_kept_are_the_same_json(pack):
    applicant, yr = parse_applicant(json.loads(bodies()[3]), pack, source="t")
    kept = SharedJSON(lambda h: json.dumps(hint_data(h), ensure_ascii=False).encode())
    hints = compute_hints(applicant, yr, compute(applicant, yr, pack))
    related = [h for h in hints if h.kind == "related"]
    assert related and all(json.loads(orjson.dumps(kept(h))) == hint_data(h) for h in related)
    assert all(kept(h) is kept(h) for h in related)  # made once


def test_kept_pieces_are_bounded():
    class Obj:
        pass

    kept = SharedJSON(lambda o: b'"x"', limit=3)
    objs = [Obj() for _ in range(5)]
    first = kept(objs[0])
    assert kept(objs[0]) is first and len(kept) == 1  # made once
    for o in objs:
        kept(o)
    assert len(kept) <= 3  # past the limit, it starts afresh
    assert orjson.dumps(kept(objs[0])) == b'"x"'


def test_the_whole_answer_keeps_its_shape(pack):
    data = json.loads(_calc(pack, json.loads(bodies()[1])).body)
    assert list(data) == ["award", "plain", "guides", "hints", "hints_limited", "subject_label", "category_label"]
    assert isinstance(data["award"]["total"], str) and data["award"]["lines"][0]["checks"]


@pytest.mark.parametrize("value, clean", [
    ({"a": "王建国", "n": Decimal("1.5"), 1: [True, None, 2]}, True),
    ({"a": "\ud800"}, False),
    ({"\udc00": 1}, False),
    (["x", {"k": ["ok", "\udfff"]}], False),
])
def test_the_one_pass_surrogate_check(value, clean):
    assert surely_no_lone_surrogate(value) is clean


def test_calc_answered_directly_and_through_fastapis_routing_alike(pack):
    """POST /api/calc is answered by the outermost layer (no routing); behind a proxy's root path
    it goes through FastAPI's route — the same endpoint, the same answer and headers."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from xingxian_subsidy.web import create_app

    app = create_app(pack)
    body = json.loads(bodies()[1])
    direct = TestClient(app).post("/api/calc", json=body)
    routed = TestClient(app, root_path="/zicha").post("/zicha/api/calc", json=body)
    assert direct.status_code == routed.status_code == 200
    assert direct.content == routed.content
    for name in ("content-security-policy", "x-content-type-options", "cache-control", "content-type"):
        assert direct.headers[name] == routed.headers[name]
    assert TestClient(app).get("/api/calc").status_code == 405  # other methods: FastAPI's answer
