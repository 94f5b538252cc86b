"""The web service under what a county sees: hostile bodies (lone surrogates, duplicated keys,
NaN), errors deep inside, slow and half-open clients, heavy and light clients at once. Each asserts
a JSON answer, no traceback, and no identifier (ID, phone) in any answer or in the server's log."""

from __future__ import annotations

import copy
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import xingxian_subsidy.web as web
from xingxian_subsidy.web import create_app

ROOT = Path(__file__).resolve().parent.parent
ID = "142301199001011234"
PHONE = "13912345678"
TOILET = "xzbf8.s5-4.three_cell_or_double_urn"
APPLICANT = {
    "year": 2024,
    "applicant": {"name": "王秀英", "subject": "household", "category": "一般户", "id_number": ID},
    "claims": [{"rule": TOILET, "inputs": {"township_self_inspection_passed": "是", "county_reinspection_passed": "是"}}],
}


@pytest.fixture(scope="module")
def client(pack):
    return TestClient(create_app(pack), raise_server_exceptions=False)


def _no_identifier(text: str) -> None:
    assert ID not in text and PHONE not in text and "Traceback" not in text


# ---------------------------------------------------------------- bodies


@pytest.mark.parametrize("body", [
    b'{"year": 2024, "applicant": {"name": "\\ud800", "subject": "household"}, "claims": []}',
    b'{"year": 2024, "applicant": {"name": "\\udfff\\ud800", "subject": "household", "id_number": "' + ID.encode() + b'"}, "claims": []}',
    b'{"\\ud83d": 1}',
])
def test_lone_surrogate_is_a_4xx_json_answer(client, body, caplog):
    caplog.set_level(logging.DEBUG)
    r = client.post("/api/calc", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "代理项" in r.json()["message"]["zh"]
    _no_identifier(r.text)
    _no_identifier(caplog.text)


def test_a_proper_surrogate_pair_is_a_character(client):
    data = copy.deepcopy(APPLICANT)
    body = json.dumps(data, ensure_ascii=False).replace("王秀英", "\\ud842\\udfb7")  # 𠮷, written as a pair
    r = client.post("/api/calc", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["award"]["applicant"]["name"] == "𠮷"


@pytest.mark.parametrize(("body", "word"), [
    (b'{"year": 2024, "year": 2023, "applicant": {"name": "x", "subject": "household"}}', "重复"),
    (b'{"year": NaN}', "NaN"),
    (b'{"year": Infinity}', "Infinity"),
    (b'[' * 30000 + b']' * 30000, ""),
])
def test_bad_json_is_400(client, body, word):
    r = client.post("/api/calc", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and word in r.json()["message"]["zh"]


def test_identifiers_are_masked_in_the_answer(client):
    r = client.post("/api/calc", json=APPLICANT)
    assert r.status_code == 200
    assert r.json()["award"]["applicant"]["id_number"] == "142301********1234"
    _no_identifier(r.text)


def test_an_identifier_typed_in_a_wrong_field_is_not_echoed(client):
    data = copy.deepcopy(APPLICANT)
    data["claims"][0]["inputs"]["township_self_inspection_passed"] = PHONE
    data["applicant"]["village"] = "x" * 300
    r = client.post("/api/calc", json=data)
    assert r.status_code == 422
    _no_identifier(r.text)
    data["applicant"]["village"] = "碾子村"
    r = client.post("/api/calc", json=data)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "claims.0.inputs.township_self_inspection_passed"
    _no_identifier(r.text)


@pytest.mark.parametrize("claims", [1, web.INLINE_CLAIMS + 2], ids=["on the event loop", "in the pool"])
def test_an_error_deep_inside_is_a_json_500_that_logs_its_type_only(pack, monkeypatch, caplog, claims):
    def boom(*a, **k):
        raise ValueError(f"bad value {ID} {PHONE}")

    monkeypatch.setattr(web, "Evaluation", boom)
    caplog.set_level(logging.DEBUG)
    body = {**APPLICANT, "claims": (APPLICANT["claims"] * claims)[:claims]}
    r = TestClient(create_app(pack), raise_server_exceptions=False).post("/api/calc", json=body)
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    assert r.json()["message"]["zh"]
    _no_identifier(r.text)
    _no_identifier(caplog.text)
    assert "ValueError" in caplog.text  # the type, for the operator; never the message


def test_query_errors_do_not_echo_what_was_sent(client):
    r = client.get("/api/rules", params={"year": PHONE + "x"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "query.year"
    _no_identifier(r.text)
    r = client.get("/nope/" + ID)
    assert r.status_code == 404 and r.json()["message"]["zh"] == "没有这个页面"
    _no_identifier(r.text)


def test_hints_are_bounded_for_many_claims(client):
    data = copy.deepcopy(APPLICANT)
    claim = {"rule": "xzbf12.s5.courtyard_tiered", "inputs": {"income_gain": "2300", "project_kind": "特色种植", "passed_acceptance": "是",
             "land_use_compliant": "是", "survival_rate": "86", "within_courtyard": "是", "new_this_year": "是",
             "disorderly_or_polluting": "否", "raises_income": "是"}}
    data["claims"] = [copy.deepcopy(claim) for _ in range(web.MAX_HINT_CLAIMS + 1)]
    t = time.monotonic()
    r = client.post("/api/calc", json=data)
    assert r.status_code == 200 and r.json()["hints_limited"] is True
    assert all(h["kind"] == "related" for h in r.json()["hints"])
    assert time.monotonic() - t < 10
    data["claims"] = data["claims"][: web.MAX_HINT_CLAIMS]
    assert client.post("/api/calc", json=data).json()["hints_limited"] is False


# ---------------------------------------------------------------- over a real socket


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def live(pack, monkeypatch):
    """The app under uvicorn in this process, with serve's options and short time limits."""
    import uvicorn

    from xingxian_subsidy.web.server import HeaderTimeoutProtocol, ServeOptions, uvicorn_options

    class Quick(HeaderTimeoutProtocol):
        header_timeout = 1.0

    monkeypatch.setattr(web, "BODY_TIMEOUT", 1.0)
    port = _free_port()
    kw = uvicorn_options(ServeOptions(port=port))
    kw.update(http=Quick, log_level="warning")
    kw.pop("workers", None)
    server = uvicorn.Server(uvicorn.Config(create_app(pack), **kw))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _get(port: int, path: str = "/healthz", timeout: float = 5) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_half_open_connections_neither_block_others_nor_stay(live):
    """Hundreds of connections that never finish their headers: others are still answered, and
    each is closed once the header time limit passes."""
    idle = []
    for i in range(300):
        s = socket.create_connection(("127.0.0.1", live), timeout=5)
        if i % 2:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # half a request, then nothing
        idle.append(s)
    try:
        t = time.monotonic()
        assert _get(live)[0] == 200
        assert time.monotonic() - t < 2
        time.sleep(2.0)
        closed = 0
        for s in idle:
            s.settimeout(2)
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass
        assert closed == len(idle)
    finally:
        for s in idle:
            s.close()


def test_a_slow_body_gets_408(live):
    with socket.create_connection(("127.0.0.1", live), timeout=10) as s:
        s.sendall(b"POST /api/calc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 408")
    assert "发送太慢" in data.decode("utf-8", "replace")


def test_light_clients_are_answered_while_heavy_ones_compute(live):
    """Two clients send 100-claim requests back to back; a third's small requests still come back."""
    import http.client

    heavy = copy.deepcopy(APPLICANT)
    heavy["claims"] = [copy.deepcopy(APPLICANT["claims"][0]) for _ in range(100)]
    body_heavy, body_light = json.dumps(heavy).encode(), json.dumps(APPLICANT).encode()
    stop = time.monotonic() + 4
    errors: list[str] = []

    def hammer():
        conn = http.client.HTTPConnection("127.0.0.1", live, timeout=30)
        while time.monotonic() < stop:
            conn.request("POST", "/api/calc", body_heavy, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                errors.append(str(r.status))

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for th in threads:
        th.start()
    conn = http.client.HTTPConnection("127.0.0.1", live, timeout=30)
    times = []
    while time.monotonic() < stop:
        t = time.monotonic()
        conn.request("POST", "/api/calc", body_light, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        times.append(time.monotonic() - t)
    for th in threads:
        th.join()
    assert errors == []
    assert len(times) >= 5
    times.sort()
    assert times[len(times) // 2] < 1.0, f"median light answer {times[len(times) // 2]:.3f} s while heavy ones compute"


def test_the_server_log_holds_no_typed_value(tmp_path):
    """serve in a real process: hostile and ordinary requests with an ID and a phone in them; its
    whole output afterwards has no traceback and neither identifier."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "xingxian_subsidy", "serve", "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(port, timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        bodies = [
            json.dumps(APPLICANT).encode(),
            json.dumps(APPLICANT, ensure_ascii=False).replace("王秀英", "\\ud800" + PHONE).encode(),
            b'{"year": 2024, "year": 1, "applicant": {"id_number": "' + ID.encode() + b'"}}',
            json.dumps({**APPLICANT, "applicant": {**APPLICANT["applicant"], "subject": PHONE}}).encode(),
            b"\xff" + ID.encode(),
            b"GARBAGE " + PHONE.encode(),
        ]
        for body in bodies:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"POST /api/calc?phone=" + PHONE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
            status = int(answer.split(b" ", 2)[1])
            assert status < 500, answer[:300]
            _no_identifier(answer.decode("utf-8", "replace").replace("142301********1234", ""))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:  # not HTTP at all
            s.sendall(b"\x16\x03\x01" + ID.encode() + b"\r\n\r\n")
            s.recv(1000)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    text = out.decode("utf-8", "replace")
    assert "手机扫码或打开" not in text and "只有本机能打开" in text  # 127.0.0.1: only this computer
    _no_identifier(text)


# ---------------------------------------------------------------- serve: the address and its QR code


def _terminal_qr_image(text: str):
    """The block-character QR code serve prints, as an image (two module rows per text row)."""
    from PIL import Image

    rows = [line for line in text.splitlines() if line and set(line) <= set("█▀▄ ")]
    width = max(len(r) for r in rows)
    top = {"█": 1, "▀": 1, "▄": 0, " ": 0}
    bottom = {"█": 1, "▀": 0, "▄": 1, " ": 0}
    scale = 8
    img = Image.new("L", (width * scale, 2 * len(rows) * scale), 0)
    for y, row in enumerate(rows):
        for x, ch in enumerate(row.ljust(width)):
            for half, table in ((0, top), (1, bottom)):
                if table[ch]:
                    img.paste(255, (x * scale, (2 * y + half) * scale, (x + 1) * scale, (2 * y + half + 1) * scale))
    return img


def _decode(img) -> list[str]:
    import zxingcpp

    return [b.text for b in zxingcpp.read_barcodes(img, try_invert=True)]


def test_serve_prints_the_lan_address_and_a_qr_code_of_it(monkeypatch, tmp_path):
    from PIL import Image
    from typer.testing import CliRunner

    import xingxian_subsidy.web.server as server
    from xingxian_subsidy.cli import app

    seen = {}
    monkeypatch.setattr(server, "run", lambda opts: seen.update(opts=opts))
    monkeypatch.setattr(server, "lan_addresses", lambda host: ["192.0.2.7"])  # documentation address: the test names no real one
    png = tmp_path / "qr.png"
    r = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8123", "--workers", "3", "--qr-png", str(png)])
    assert r.exit_code == 0, r.output
    url = "http://192.0.2.7:8123/"
    assert f"手机扫码或打开：{url}" in r.output and "3 个工作进程" in r.output
    assert seen["opts"].workers == 3 and seen["opts"].host == "0.0.0.0"
    assert _decode(Image.open(png)) == [url]  # the PNG
    assert _decode(_terminal_qr_image(r.output)) == [url]  # and the one drawn in the terminal


def test_serve_behind_a_proxy_encodes_the_public_url(monkeypatch, tmp_path):
    from PIL import Image
    from typer.testing import CliRunner

    import xingxian_subsidy.web.server as server
    from xingxian_subsidy.cli import app

    monkeypatch.setattr(server, "run", lambda opts: None)
    png = tmp_path / "qr.png"
    r = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--public-url", "https://zicha.example.org/", "--qr-png", str(png), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "phones scan or open: https://zicha.example.org/" in r.output
    assert _decode(Image.open(png)) == ["https://zicha.example.org/"]


def test_serve_refuses_a_qr_png_in_a_missing_folder(tmp_path):
    from typer.testing import CliRunner

    from xingxian_subsidy.cli import app

    r = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--qr-png", str(tmp_path / "no" / "qr.png")])
    assert r.exit_code == 2 and "文件夹不存在" in r.output


def test_lan_addresses_names_the_host_it_is_given():
    from xingxian_subsidy.web.server import lan_addresses

    assert lan_addresses("127.0.0.1") == ["127.0.0.1"]
    assert lan_addresses("192.0.2.9") == ["192.0.2.9"]


def test_a_body_of_few_claims_but_thousands_of_keys_is_computed_off_the_event_loop(pack, monkeypatch):
    """Few claims, but a 57 KB body of unknown keys (each looked up for a "did you mean"): it
    goes to the pool like a heavy request, so it cannot stall the loop; a phone's body does not."""
    import anyio.to_thread

    calls = []
    real = anyio.to_thread.run_sync

    async def recording(*a, **k):
        calls.append(1)
        return await real(*a, **k)

    monkeypatch.setattr(anyio.to_thread, "run_sync", recording)
    client = TestClient(create_app(pack), raise_server_exceptions=False)
    assert client.post("/api/calc", json=APPLICANT).status_code == 200 and calls == []
    noisy = {**APPLICANT, **{f"k{i}": 0 for i in range(5800)}}
    assert len(json.dumps(noisy)) > web.INLINE_BYTES
    assert client.post("/api/calc", json=noisy).status_code == 422 and calls == [1]
