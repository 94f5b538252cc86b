"""The web app: a phone-friendly Chinese page and a JSON API over the library, built to be
served by the county to many people at once (see ``server`` for how it runs).

``create_app(pack)`` builds a FastAPI app:

* ``GET /`` — the page (static HTML/CSS/JS from this package; no CDN, no external fonts);
* ``GET /api/rules`` — subjects, categories and every rule with its inputs (and, for a yes/no,
  the answer that loses the award), conditions, rate and citation (what the page builds from);
* ``POST /api/calc`` — an applicant (the same schema as the YAML file) → the award (Decimals as
  strings), the award in plain words, how to apply and the hints; 422 with zh/en messages and
  field paths; 413 over :data:`MAX_BODY` bytes; 408 for a body slower than :data:`BODY_TIMEOUT`;
  400 for a body that is not JSON (a lone surrogate, a duplicated key, NaN included);
* ``GET /healthz`` — ``{"ok": true}``, for the reverse proxy and the load test's floor.

Every exception is answered as JSON (4xx/5xx, zh and en) and never echoes what was sent; the
log gets the exception's type only, never its message, since that may quote what was typed.
Nothing the user sends is stored or logged. A request of more than :data:`INLINE_CLAIMS` claims
(or :data:`INLINE_BYTES` bytes) is computed off the event loop, at most :data:`COMPUTE_SLOTS` at once per worker, so a heavy
request does not stall the others; a light one (about half a millisecond) is answered on the
loop. ``POST /api/calc`` is answered by the outermost layer calling the route's endpoint, past
FastAPI's routing (the route stays for the schema); its JSON is built by ``answer``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..core.errors import SubsidyError, redact_identifiers
from ..core.inputforms import surely_no_lone_surrogate
from ..core.text import Text
from ..engine.applicant import parse_applicant
from ..engine.compute import Evaluation
from ..engine.models import ApplicantFile, Award
from ..engine.summary import STATUS
from ..pack.loader import RulePack, YearRules, load_rules
from ..selfservice.guide import guide_data, guides_for
from ..selfservice.hints import compute_hints, hint_data
from ..selfservice.plain import plain_data, plain_lines
from ..selfservice.screening import category_choices, entry_data, passing_answer, rule_entry
from .answer import SharedJSON, award_json

__all__ = ["BODY_TIMEOUT", "COMPUTE_SLOTS", "INLINE_BYTES", "INLINE_CLAIMS", "MAX_BODY", "MAX_HINT_CLAIMS", "STATIC_DIR", "app_from_env", "create_app"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
LOG = logging.getLogger("xingxian_subsidy.web")

# Technical bounds on what a request may hold and cost (not policy numbers).
MAX_BODY = 64 * 1024  # bytes
MAX_TEXT = 200  # characters in any one string
MAX_CLAIMS = 100
MAX_INPUTS = 60  # per claim
MAX_DEPTH = 6
MAX_HINT_CLAIMS = 20  # hints re-run the award once per claim: past this many claims they are left out
BODY_TIMEOUT = 10.0  # seconds a client may take to send its body
COMPUTE_SLOTS = 4  # computations at once per worker; the others wait their turn off the event loop
# A request of at most this many claims is answered on the event loop itself: it takes about a
# millisecond, less than handing it to a thread and back (and, under the GIL, a thread would not
# run beside the loop anyway). Longer ones go to the pool, so they never stall the light ones.
INLINE_CLAIMS = 4
# ... and of at most this many bytes: a body of few claims but thousands of unknown keys (each
# checked against the known ones for a "did you mean") costs 0.1 s and more, so it goes to the pool
# too. A phone's request is 0.4–1.5 KB.
INLINE_BYTES = 4096

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


class PlainOut(BaseModel):
    kind: str
    status: Text
    text: Text
    amount: str | None
    amount_then: str | None


class CalcResponse(BaseModel):
    """The award (Decimals as strings, every check, step and citation), the award in plain words
    (one entry per line), how to apply for what was claimed, and the hints."""

    award: Award
    plain: list[PlainOut]
    guides: list[dict[str, Any]]
    hints: list[HintOut]
    hints_limited: bool
    subject_label: Text
    category_label: Text | None


class FieldError(BaseModel):
    field: str | None
    message: Text


class ErrorResponse(BaseModel):
    message: Text
    detail: list[FieldError]


_NO_STORE = [(b"cache-control", b"no-store")]
_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                                 b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def _dumps(data: Any) -> bytes:
    import orjson

    return orjson.dumps(data)


def _json(status: int, data: Any) -> Response:
    return Response(content=_dumps(data), status_code=status, media_type="application/json", headers={"Cache-Control": "no-store"})


def _error(status: int, zh: str, en: str, detail: list[dict[str, Any]] | None = None) -> Response:
    detail = [{"field": d.get("field"), "message": {k: redact_identifiers(v) for k, v in d["message"].items()}} for d in (detail or [])]
    return _json(status, {"message": {"zh": zh, "en": en}, "detail": detail})


class _TooLarge(Exception):
    pass


class _BadJSON(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


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
    raise _BadJSON(f"不接受 {name}", f"{name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _BadJSON("JSON 中有重复的字段名", "a key appears twice in one JSON object")
        out[k] = v
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _strict_json(body: bytes) -> Any:
    """The body as JSON: UTF-8, numbers with a point read as Decimal, no NaN/Infinity, no key
    twice in one object, and no lone surrogate (``"\ud800"`` decodes, but is no character)."""
    text = body.decode("utf-8")
    data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)

    def walk(v: Any, depth: int = 0) -> None:
        if depth > MAX_DEPTH + 2:
            return  # _bounds reports the depth
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise _BadJSON("文字中有无效的字符（单独的代理项）", "a string holds an invalid character (a lone surrogate)")
        elif isinstance(v, dict):
            for k, item in v.items():
                walk(k, depth + 1)
                walk(item, depth + 1)
        elif isinstance(v, list):
            for item in v:
                walk(item, depth + 1)

    if not surely_no_lone_surrogate(data):
        walk(data)
    return data


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


def _light(data: Any, size: int) -> bool:
    """Whether a request is cheap enough to answer on the event loop (:data:`INLINE_CLAIMS`, :data:`INLINE_BYTES`)."""
    if size > INLINE_BYTES:
        return False
    claims = data.get("claims") if isinstance(data, dict) else None
    return not isinstance(claims, list) or len(claims) <= INLINE_CLAIMS


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
             "help": s.help.model_dump() if s.help else None,
             # for a yes/no: the answer that loses the award (the page marks it), None if none does
             "loses": (None if (w := passing_answer(r, s.name)) is None else ("否" if w else "是")) if s.type == "boolean" else None}
            for s in r.inputs
        ]
        rules.append(e)
    return {
        "year": year,
        "rule_pack": pack.label,
        "title": pack.title.model_dump(),  # how the pack names the tool to its users (the page's heading)
        "subjects": [{"id": s.id, "label": s.label.model_dump()} for s in yr.vocabulary.subjects],
        "categories": [{"id": cid, "label": label.model_dump()} for cid, label in category_choices(yr)],
        "household_subjects": list(yr.vocabulary.household_subjects),
        "status": STATUS,
        "rules": rules,
    }


# a related-rule hint is the same for every applicant of a subject and category: kept with the pack
_RELATED = SharedJSON(lambda h: _dumps(hint_data(h)))


def _calc(pack: RulePack, data: Any) -> Response:
    """The whole computation of one request (on the event loop, or for a heavy one in a worker thread)."""
    from ..audit.identity import mask_id

    try:
        applicant, yr = parse_applicant(data, pack, source="request")
    except SubsidyError as exc:
        detail = [{"field": p.field, "message": {"zh": p.message.get("zh", ""), "en": p.message.get("en") or p.message.get("zh", "")}}
                  for p in exc.problems]
        return _error(422, "输入有误，请按提示修改", "please correct the input", detail)
    ev = Evaluation(applicant, yr)  # evaluated once: the hints' “what it would then pay” reuse it
    award = ev.award(pack)
    limited = len(applicant.claims) > MAX_HINT_CLAIMS
    hints = [_RELATED(h) if h.kind == "related" else hint_data(h) for h in compute_hints(applicant, yr, award, ev) if not limited or h.kind == "related"]
    plain = [plain_data(x) for x in plain_lines(applicant, yr, award, ev)]
    subjects, categories = _labels(yr)
    who = award.applicant
    if who.id_number:  # an identifier is never sent back in full
        award = award.model_copy(update={"applicant": who.model_copy(update={"id_number": mask_id(who.id_number)})})
    import orjson

    body = orjson.dumps({
        "award": orjson.Fragment(award_json(award)), "plain": plain, "guides": _guides_json(yr, tuple(c.rule for c in applicant.claims)),
        "hints": hints, "hints_limited": limited, "subject_label": subjects.get(who.subject) or {"zh": who.subject, "en": who.subject},
        "category_label": categories.get(who.category),
    })
    return Response(content=body, media_type="application/json", headers={"Cache-Control": "no-store"})


def _labels(yr: YearRules) -> tuple[dict[str, Any], dict[str, Any]]:
    """The subjects' and household categories' labels as sent (JSON pieces), made once per rule pack."""
    import orjson

    kept = yr.__dict__.get("_web_labels")
    if kept is None:
        kept = yr.__dict__["_web_labels"] = (
            {s.id: orjson.Fragment(s.label.model_dump_json()) for s in yr.vocabulary.subjects},
            {cid: orjson.Fragment(label.model_dump_json()) for cid, label in category_choices(yr)},
        )
    return kept


def _guides_json(yr: YearRules, rule_ids: tuple[str, ...]) -> list[Any]:
    """How to apply for the claimed rules; each entry's JSON is made once per rule pack, and the
    list once per set of claimed rules (a bounded number of them)."""
    import orjson

    lists: dict[tuple[str, ...], list[Any]] = yr.__dict__.setdefault("_web_guide_lists", {})
    found = lists.get(rule_ids)
    if found is not None:
        return found
    cache: dict[tuple[str, ...], Any] = yr.__dict__.setdefault("_web_guides", {})
    out = []
    for g in guides_for(yr, list(rule_ids)):
        frag = cache.get(g.rule_ids)
        if frag is None:
            frag = cache[g.rule_ids] = orjson.Fragment(orjson.dumps(guide_data(g)))
        out.append(frag)
    if len(lists) < 4096:  # claims come in many combinations: a bound on what is kept
        lists[rule_ids] = out
    return out


class _Guard:
    """Outermost of the app's own layers (pure ASGI, no per-request task): adds the security
    headers, and turns any exception into a JSON 500 whose log line names the exception's type
    only — its message may quote what was typed, so it is never logged or sent."""

    def __init__(self, app: Any, direct: dict[tuple[str, str], Any] | None = None):
        self.app = app
        # (method, path) → an endpoint taking the Request, answered here without FastAPI's routing
        # and middleware: the hot path (POST /api/calc), the same function its route runs
        self.direct = direct if direct is not None else {}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = None if scope.get("root_path") else self.direct.get((scope["method"], scope["path"]))
        started = False
        api = scope.get("path", "").startswith("/api/")

        async def send_with_headers(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"server"] + _HEADERS
                if api and not any(h[0].lower() == b"cache-control" for h in headers):
                    headers += _NO_STORE
                message = {**message, "headers": headers}
            await send(message)

        try:
            if endpoint is None:
                await self.app(scope, receive, send_with_headers)
            else:
                response = await endpoint(Request(scope, receive))
                await response(scope, receive, send_with_headers)
        except Exception as exc:
            LOG.error("request failed: %s", type(exc).__name__)
            if started:
                return  # the answer has begun: it cannot become a 500 any more; the connection closes
            body = _dumps({"message": {"zh": "服务器内部错误，请稍后再试", "en": "internal error; please try again later"}, "detail": []})
            await send_with_headers({"type": "http.response.start", "status": 500,
                                     "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                                 (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})


def create_app(pack: RulePack | None = None) -> FastAPI:
    """Build the app over a rule pack (the built-in one if None)."""
    import anyio

    pack = pack or load_rules()
    years = sorted(y for y, yr in pack.years.items() if yr.rules)
    default_year = years[-1]
    app = FastAPI(
        title=f"{pack.title.zh}自查 xingxian-subsidy",  # the pack names the tool to its users
        version=pack.version,
        description="POST 一个申请人（与 YAML 申请文件同一结构），返回逐项、带依据的测算结果、白话结果、办理指引与“差多少”提示。金额为字符串形式的十进制数。",
        docs_url=None,  # the Swagger UI loads from a CDN; the schema stays at /openapi.json
        redoc_url=None,
    )
    direct: dict[tuple[str, str], Any] = {}
    app.add_middleware(_Guard, direct=direct)
    slots: dict[str, Any] = {}
    rules_cache: dict[tuple, bytes] = {}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own answer quotes the value sent ("input"): ours names the field only
        detail = [{"field": ".".join(str(x) for x in e.get("loc", ())), "message": {"zh": "取值无效", "en": "invalid value"}} for e in exc.errors()]
        return _error(422, "请求参数有误", "invalid request parameters", detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        zh = {404: "没有这个页面", 405: "不支持此请求方法"}.get(exc.status_code, "请求有误")
        en = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "bad request")
        response = _error(exc.status_code, zh, en)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return Response(content=b'{"ok":true}', media_type="application/json", headers={"Cache-Control": "no-store"})

    @app.get("/api/rules", summary="规则目录：主体类型、农户类型、各项奖补的输入、条件、标准与依据")
    async def api_rules(subject: str | None = None, category: str | None = None, year: int = default_year) -> Response:
        if year not in pack.years or not pack.years[year].rules:
            return _error(404, f"没有规则覆盖 {year} 年", f"no rule covers {year}")
        key = (year, subject, category)
        body = rules_cache.get(key)
        if body is None:
            body = _dumps(_rules_data(pack, year, subject, category))
            if len(rules_cache) < 256:  # bounded: subject and category are free text
                rules_cache[key] = body
        return Response(content=body, media_type="application/json", headers={"Cache-Control": "no-store"})

    @app.post(
        "/api/calc",
        summary="测算一个申请人的奖补（逐项、带依据），给出白话结果、办理指引和提示",
        response_model=CalcResponse,
        responses={400: {"model": ErrorResponse}, 408: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApplicantFile"}}}}},
    )
    async def api_calc(request: Request) -> Any:
        try:
            async with asyncio.timeout(BODY_TIMEOUT):  # no task of its own, unlike wait_for
                body = await _read_body(request)
        except _TooLarge:
            return _error(413, f"请求过大（上限 {MAX_BODY // 1024} KB）", f"request too large (limit {MAX_BODY // 1024} KB)")
        except TimeoutError:
            return _error(408, "请求发送太慢，已断开", "the request body took too long")
        try:
            data = _strict_json(body)
        except _BadJSON as exc:
            return _error(400, f"请求内容不是有效的 JSON：{exc.zh}", f"the request body is not valid JSON: {exc.en}")
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _error(400, "请求内容不是有效的 JSON", "the request body is not valid JSON")
        problems = _bounds(data)
        if problems:
            return _error(422, "输入超出允许范围", "input out of bounds", problems)
        if _light(data, len(body)):
            return _calc(pack, data)
        limiter = slots.get("limiter")
        if limiter is None:
            limiter = slots["limiter"] = anyio.CapacityLimiter(COMPUTE_SLOTS)
        return await anyio.to_thread.run_sync(partial(_calc, pack, data), limiter=limiter)

    direct[("POST", "/api/calc")] = api_calc

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


def app_from_env() -> FastAPI:
    """The app for each worker process of ``serve --workers N`` (uvicorn's factory): the rule
    pack is the one named in ``XINGXIAN_RULES`` (set by ``serve``), else the bundled one."""
    import os

    rules = os.environ.get("XINGXIAN_RULES") or None
    return create_app(load_rules(rules))
