"""The JSON API: POST /api/calc, GET /api/rules, /openapi.json, bounds and errors."""

from __future__ import annotations

import copy
import json
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from xingxian_subsidy.web import MAX_BODY, create_app

COURTYARD = "xzbf12.s5.courtyard_tiered"
TOILET = "xzbf8.s5-4.three_cell_or_double_urn"

# 三类户 (边缘易致贫户): courtyard gain 2300 元 → 三档 500 元 (附件3); three-cell toilet 5000 元 (兴政办发〔2024〕8号 五（四））.
APPLICANT = {
    "year": 2024,
    "applicant": {"name": "王秀英", "subject": "household", "category": "边缘易致贫户"},
    "claims": [
        {"rule": COURTYARD, "project": "庭院微菜园", "inputs": {
            "income_gain": "2300", "project_kind": "特色种植", "passed_acceptance": "是", "land_use_compliant": "是",
            "survival_rate": "86", "within_courtyard": "是", "new_this_year": "是", "disorderly_or_polluting": "否",
            "raises_income": "是"}},
        {"rule": TOILET, "inputs": {"township_self_inspection_passed": True, "county_reinspection_passed": True}},
    ],
}


@pytest.fixture(scope="module")
def client(pack):
    return TestClient(create_app(pack))


def test_calc_total_and_lines(client):
    r = client.post("/api/calc", json=APPLICANT)
    assert r.status_code == 200
    body = r.json()
    award = body["award"]
    assert award["total"] == "5500.00"
    assert [(line["rule_id"], line["status"], line["amount"]) for line in award["lines"]] == [
        (COURTYARD, "awarded", "500.00"),
        (TOILET, "awarded", "5000.00"),
    ]
    assert award["lines"][0]["citation"]["document_number"] == "兴政办发〔2024〕12号"
    assert body["subject_label"]["zh"] == "农户"
    assert "三类户" in body["category_label"]["zh"]
    assert r.headers["cache-control"] == "no-store"


def test_calc_hints(client):
    hints = client.post("/api/calc", json=APPLICANT).json()["hints"]
    tier = [h for h in hints if h["kind"] == "next_tier"]
    assert len(tier) == 1
    # 四档 starts above 2500 (exclusive): 200 more, and the line would pay 600
    assert tier[0]["gap"] == "200" and tier[0]["target"] == "2500.01" and tier[0]["amount_then"] == "600.00"
    assert tier[0]["total_then"] == "5600.00"
    related = {h["rule_id"]: h for h in hints if h["kind"] == "related"}
    assert "xzbf8.s5-4.indoor_flush" not in related  # one toilet per household
    assert any(h["not_quantified"] for h in related.values())


def test_json_numbers_are_decimal_not_float(client):
    data = copy.deepcopy(APPLICANT)
    data["claims"][0]["inputs"]["income_gain"] = 2000.01  # a JSON number with a point
    body = json.dumps(data, ensure_ascii=False)
    r = client.post("/api/calc", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json()["award"]["lines"][0]["amount"] == "500.00"  # 2000.01 > 2000: 三档, exactly


def test_422_zh_message_with_field_path(client):
    data = copy.deepcopy(APPLICANT)
    data["claims"][0]["inputs"]["income_gain"] = "-5"
    r = client.post("/api/calc", json=data)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["field"] == "claims.0.inputs.income_gain"
    assert "不能为负数" in detail[0]["message"]["zh"]
    assert detail[0]["message"]["en"]


def test_422_unknown_subject_and_rule(client):
    data = copy.deepcopy(APPLICANT)
    data["applicant"]["subject"] = "外星人"
    data["claims"][1]["rule"] = "xzbf8.s5-4.three_cell"
    fields = {d["field"]: d["message"]["zh"] for d in client.post("/api/calc", json=data).json()["detail"]}
    assert "未知主体类型" in fields["applicant.subject"]
    assert "未知奖补规则" in fields["claims.1.rule"]


def test_413_oversized(client):
    data = copy.deepcopy(APPLICANT)
    data["applicant"]["village"] = "村" * (MAX_BODY)
    r = client.post("/api/calc", json=data)
    assert r.status_code == 413
    assert "请求过大" in r.json()["message"]["zh"]


def test_bounded_field_values(client):
    data = copy.deepcopy(APPLICANT)
    data["applicant"]["name"] = "名" * 500
    r = client.post("/api/calc", json=data)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "applicant.name"
    assert "过长" in r.json()["detail"][0]["message"]["zh"]


@pytest.mark.parametrize("body", [b'{"year": 2024,', b"\xff\xfe", b"[1, 2", b'{"year": NaN}', b""])
def test_malformed_json_is_4xx(client, body):
    r = client.post("/api/calc", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    assert r.json()["message"]["zh"]


def test_not_a_mapping_is_422(client):
    r = client.post("/api/calc", json=[1, 2, 3])
    assert r.status_code == 422


def test_rules_catalog(client, pack):
    data = client.get("/api/rules").json()
    assert data["year"] == pack.latest_year
    ids = {r["id"] for r in data["rules"]}
    assert {COURTYARD, TOILET} <= ids
    courtyard = next(r for r in data["rules"] if r["id"] == COURTYARD)
    gain = next(i for i in courtyard["inputs"] if i["name"] == "income_gain")
    assert gain["type"] == "money" and gain["unit"] == "元" and gain["help"]["zh"]
    assert "三档" in courtyard["rate"]["zh"]
    assert any(r["not_quantified"] for r in data["rules"])
    # filtered by subject
    village = client.get("/api/rules", params={"subject": "village"}).json()["rules"]
    assert all("village" in r["subjects"] for r in village)


def test_openapi_built_on_the_models(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"ApplicantFile", "ApplicantInfo", "Claim", "Award", "LineItem", "CalcResponse"} <= set(schemas)
    body = spec["paths"]["/api/calc"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ApplicantFile"}
    assert {"200", "413", "422"} <= set(spec["paths"]["/api/calc"]["post"]["responses"])


def test_page_is_local_and_locked_down(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert "http://" not in html and "https://" not in html  # no CDN, no external fonts
    for asset in ("/static/app.js", "/static/style.css"):
        a = client.get(asset)
        assert a.status_code == 200
        assert "http://" not in a.text and "https://" not in a.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    js = client.get("/static/app.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert "parseFloat" not in js and "Number(a.total" not in js  # amounts stay strings


def test_serve_turns_the_access_log_off(monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from xingxian_subsidy.cli import app

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(kw, app=application))
    r = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert seen["access_log"] is False and seen["host"] == "127.0.0.1" and seen["port"] == 8123
    assert "http://127.0.0.1:8123/" in r.output
