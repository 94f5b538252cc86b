"""The local web app: a phone-friendly Chinese page and a JSON API over the library.

``create_app(pack)`` builds a FastAPI app:

* ``GET /`` — the page (static HTML/CSS/JS from this package; no CDN, no external fonts);
* ``GET /api/rules`` — subjects, categories and every rule with its inputs, conditions,
  rate and citation (what the page builds its form from);
* ``POST /api/calc`` — an applicant (the same schema as the YAML file) → the award
  (Decimals as strings) and the hints; 422 with zh/en messages and field paths;
  413 over :data:`MAX_BODY` bytes; 400 for a body that is not JSON.

Nothing the user sends is stored or logged: the handlers keep no state, and
``serve`` runs uvicorn with the access log off.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict

from ..core.errors import SubsidyError
from ..core.text import Text
from ..engine.applicant import parse_applicant
from ..engine.compute import compute
from ..engine.models import ApplicantFile, Award
from ..engine.summary import STATUS
from ..pack.loader import RulePack, load_rules
from ..selfservice.hints import compute_hints, hint_data
from ..selfservice.screening import category_choices, entry_data, rule_entry

__all__ = ["MAX_BODY", "STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Technical bounds on what a request may hold (not policy numbers).
MAX_BODY = 64 * 1024  # bytes
MAX_TEXT = 200  # characters in any one string
MAX_CLAIMS = 100
MAX_INPUTS = 60  # per claim
MAX_DEPTH = 6


class HintOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    rule_id: str
    claim: int | None
    text: Text
    input: str | None
    gap: str | None
    target: str | None
    amount_then: str | None
    total_then: str | None
    not_quantified: bool


class CalcResponse(BaseModel):
    """The award (Decimals as strings, every check, step and citation) and the hints."""

    award: Award
    hints: list[HintOut]
    subject_label: Text
    category_label: Text | None


class FieldError(BaseModel):
    field: str | None
    message: Text


class ErrorResponse(BaseModel):
    message: Text
    detail: list[FieldError]


def _error(status: int, zh: str, en: str, detail: list[dict[str, Any]] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"message": {"zh": zh, "en": en}, "detail": detail or []},
                        headers={"Cache-Control": "no-store"})


class _TooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        try:
            if int(length) > MAX_BODY:
                raise _TooLarge
        except ValueError:
            raise _TooLarge from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _bounds(data: Any) -> list[dict[str, Any]]:
    """Field-value bounds: string length, number of claims and inputs, nesting depth."""
    problems: list[dict[str, Any]] = []

    def walk(v: Any, path: tuple, depth: int) -> None:
        where = ".".join(map(str, path)) or None
        if depth > MAX_DEPTH:
            problems.append({"field": where, "message": {"zh": "嵌套层级过深", "en": "nested too deeply"}})
            return
        if isinstance(v, str) and len(v) > MAX_TEXT:
            problems.append({"field": where, "message": {"zh": f"文字过长（最多 {MAX_TEXT} 字）", "en": f"text too long (at most {MAX_TEXT} characters)"}})
        elif isinstance(v, dict):
            for k, item in v.items():
                if len(str(k)) > MAX_TEXT:
                    problems.append({"field": where, "message": {"zh": "字段名过长", "en": "key too long"}})
                    continue
                walk(item, path + (k,), depth + 1)
        elif isinstance(v, list):
            for i, item in enumerate(v):
                walk(item, path + (i,), depth + 1)

    walk(data, (), 0)
    if isinstance(data, dict):
        claims = data.get("claims")
        if isinstance(claims, list):
            if len(claims) > MAX_CLAIMS:
                problems.append({"field": "claims", "message": {"zh": f"申报项目过多（最多 {MAX_CLAIMS} 项）", "en": f"too many claims (at most {MAX_CLAIMS})"}})
            for i, c in enumerate(claims):
                if isinstance(c, dict) and isinstance(c.get("inputs"), dict) and len(c["inputs"]) > MAX_INPUTS:
                    problems.append({"field": f"claims.{i}.inputs", "message": {"zh": "输入项过多", "en": "too many inputs"}})
    return problems


def _rules_data(pack: RulePack, year: int, subject: str | None, category: str | None) -> dict[str, Any]:
    yr = pack.for_year(year)
    rules = []
    for r in yr.rules.values():
        if subject and subject not in r.subjects:
            continue
        e = entry_data(rule_entry(yr, r, subject, category))
        e["subjects"] = list(r.subjects)
        e["inputs"] = [
            {"name": s.name, "label": s.label.model_dump(), "type": s.type, "unit": s.unit,
             "choices": [{"value": c.value, "label": c.label.model_dump()} for c in s.choices],
             "help": s.help.model_dump() if s.help else None}
            for s in r.inputs
        ]
        rules.append(e)
    return {
        "year": year,
        "rule_pack": pack.label,
        "title": pack.title.model_dump(),  # how the pack names the tool to its users (the page's heading)
        "subjects": [{"id": s.id, "label": s.label.model_dump()} for s in yr.vocabulary.subjects],
        "categories": [{"id": cid, "label": label.model_dump()} for cid, label in category_choices(yr)],
        "status": STATUS,
        "rules": rules,
    }


def create_app(pack: RulePack | None = None) -> FastAPI:
    """Build the app over a rule pack (the built-in one if None)."""
    pack = pack or load_rules()
    years = sorted(y for y, yr in pack.years.items() if yr.rules)
    default_year = years[-1]
    app = FastAPI(
        title=f"{pack.title.zh}自查 xingxian-subsidy",  # the pack names the tool to its users
        version=pack.version,
        description="POST 一个申请人（与 YAML 申请文件同一结构），返回逐项、带依据的测算结果与“差多少”提示。金额为字符串形式的十进制数。",
        docs_url=None,  # the Swagger UI loads from a CDN; the schema stays at /openapi.json
        redoc_url=None,
    )

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/rules", summary="规则目录：主体类型、农户类型、各项奖补的输入、条件、标准与依据")
    def api_rules(subject: str | None = None, category: str | None = None, year: int = default_year) -> dict[str, Any]:
        if year not in pack.years or not pack.years[year].rules:
            return _error(404, f"没有规则覆盖 {year} 年", f"no rule covers {year}")  # type: ignore[return-value]
        return _rules_data(pack, year, subject, category)

    @app.post(
        "/api/calc",
        summary="测算一个申请人的奖补（逐项、带依据）并给出提示",
        response_model=CalcResponse,
        responses={400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApplicantFile"}}}}},
    )
    async def api_calc(request: Request) -> Any:
        try:
            body = await _read_body(request)
        except _TooLarge:
            return _error(413, f"请求过大（上限 {MAX_BODY // 1024} KB）", f"request too large (limit {MAX_BODY // 1024} KB)")
        try:
            data = json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _error(400, "请求内容不是有效的 JSON", "the request body is not valid JSON")
        problems = _bounds(data)
        if problems:
            return _error(422, "输入超出允许范围", "input out of bounds", problems)
        try:
            applicant, yr = parse_applicant(data, pack, source="request")
        except SubsidyError as exc:
            detail = [{"field": p.field, "message": {"zh": p.message.get("zh", ""), "en": p.message.get("en") or p.message.get("zh", "")}}
                      for p in exc.problems]
            return _error(422, "输入有误，请按提示修改", "please correct the input", detail)
        award = compute(applicant, yr, pack)
        hints = [hint_data(h) for h in compute_hints(applicant, yr, award)]
        subj = next((s.label for s in yr.vocabulary.subjects if s.id == award.applicant.subject), Text(zh=award.applicant.subject, en=award.applicant.subject))
        cat = next((label for cid, label in category_choices(yr) if cid == award.applicant.category), None)
        return JSONResponse(
            content={"award": award.model_dump(mode="json"), "hints": hints, "subject_label": subj.model_dump(),
                     "category_label": cat.model_dump() if cat else None},
            headers={"Cache-Control": "no-store"},
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        body = ApplicantFile.model_json_schema(ref_template="#/components/schemas/{model}")
        comps.update(body.pop("$defs", {}))
        comps["ApplicantFile"] = body
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
