"""Loopback load test of the web service: requests/s and p50/p99 latency of ``POST /api/calc``
at 1, 8 and 32 clients, single process vs several workers, next to a trivial endpoint's floor
(``GET /healthz`` on the same server), and light clients while two send 100-claim requests.

Run:  .venv/bin/python benchmarks/bench_web.py [--rounds 3] [--seconds 4] [--workers 2]
                                                [--baseline DIR] [--json out.json] [--save]

``--save`` writes the table to ``benchmarks/results-web.md`` (with the load average the machine
had: the figures mean little without it).

``--baseline DIR`` also measures an older checkout (e.g. main before this work:
``git archive main | tar -x -C /tmp/base``) in the same two configurations, interleaved with ours.

Bounded: every server listens on 127.0.0.1 only, every run lasts ``--seconds`` after a short
warm-up, and every server is stopped at the end. The client is one asyncio process with
keep-alive connections and pre-encoded requests (the lightest client Python allows); it shares
the machine's 2 cores with the server, so the figures are a floor for the server, not a ceiling.
The machine is shared with other work: each figure is the median over ``--rounds`` rounds, the
configurations interleaved within each round; ratios are steadier than absolute numbers.
The request bodies vary (64 applicants: different income gains, toilets, categories), so no
answer can be served from a cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ["一般户", "脱贫户", "边缘易致贫户", "脱贫不稳定户"]


def bodies() -> list[bytes]:
    out = []
    for i in range(64):
        claims = [{"rule": "xzbf12.s5.courtyard_tiered", "inputs": {
            "income_gain": str(900 + 50 * i), "project_kind": "特色种植", "passed_acceptance": "是", "land_use_compliant": "是",
            "survival_rate": str(75 + i % 20), "within_courtyard": "是", "new_this_year": "是", "disorderly_or_polluting": "否",
            "raises_income": "是"}}]
        if i % 2:
            claims.append({"rule": "xzbf8.s5-4.three_cell_or_double_urn", "inputs": {
                "township_self_inspection_passed": "是", **({"county_reinspection_passed": "是"} if i % 4 == 1 else {})}})
        data = {"year": 2024, "applicant": {"name": f"测试{i}", "subject": "household", "category": CATEGORIES[i % 4]}, "claims": claims}
        out.append(json.dumps(data, ensure_ascii=False).encode())
    return out


def heavy_body() -> bytes:
    claim = json.loads(bodies()[5])["claims"][0]
    data = {"year": 2024, "applicant": {"name": "重", "subject": "household", "category": "一般户"}, "claims": [claim] * 100}
    return json.dumps(data, ensure_ascii=False).encode()


def post(body: bytes) -> bytes:
    return (b"POST /api/calc HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


GET_HEALTH = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


async def _client(port: int, requests: list[bytes], stop: float, lat: list[float], errors: list[str], start_at: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    try:
        while True:
            t0 = time.perf_counter()
            if t0 >= stop:
                break
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if status != 200:
                errors.append(str(status))
            if t0 >= start_at:
                lat.append(time.perf_counter() - t0)
    finally:
        writer.close()


async def _load(port: int, clients: int, requests: list[bytes], seconds: float, warmup: float,
                extra: tuple[int, list[bytes]] | None = None) -> dict[str, float]:
    now = time.perf_counter()
    start_at, stop = now + warmup, now + warmup + seconds
    lat: list[float] = []
    errors: list[str] = []
    tasks = [_client(port, requests, stop, lat, errors, start_at) for _ in range(clients)]
    if extra:  # other clients whose answers are not counted (the heavy ones)
        n, reqs = extra
        tasks += [_client(port, reqs, stop, [], errors, start_at) for _ in range(n)]
    await asyncio.gather(*tasks)
    lat.sort()
    return {"rps": len(lat) / seconds, "p50_ms": 1000 * lat[len(lat) // 2] if lat else float("nan"),
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"), "errors": len(errors)}


def load(*args, **kw) -> dict[str, float]:
    try:
        import uvloop

        return uvloop.run(_load(*args, **kw))
    except ImportError:  # pragma: no cover
        return asyncio.run(_load(*args, **kw))


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its living children (uvicorn's workers), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(tree_cpu(c) for c in children)


def measured(srv: Server, *args, **kw) -> dict[str, float]:
    """``load`` on a server, with the server's CPU per answer (ms): a figure other work on the
    machine disturbs far less than requests per second (warm-up answers included in both)."""
    before = tree_cpu(srv.proc.pid)
    out = load(srv.port, *args, **kw)
    answers = out["rps"] * args[2] * (1 + args[3] / args[2])  # the counted seconds and the warm-up
    out["cpu_ms"] = 1000 * (tree_cpu(srv.proc.pid) - before) / answers if answers else float("nan")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, workers: int | None, source: Path = ROOT):
        self.name, self.port = name, free_port()
        cmd = [sys.executable, "-m", "xingxian_subsidy", "serve", "--port", str(self.port)]
        if workers is not None:
            cmd += ["--workers", str(workers)]
        env = {**os.environ, "PYTHONPATH": str(source)}
        self.proc = subprocess.Popen(cmd, cwd=source, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /api/rules HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"{name}: server did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--baseline", type=Path, help="an older checkout to measure too (its single process)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--save", action="store_true", help="write the table to benchmarks/results-web.md")
    args = ap.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    light = [post(b) for b in bodies()]
    heavy = [post(heavy_body())]

    servers = [Server("single", 1), Server(f"{args.workers} workers", args.workers)]
    if args.baseline:  # the same two configurations of the older checkout, interleaved with ours
        servers = [Server("baseline, single", 1, args.baseline), Server(f"baseline, {args.workers} workers", args.workers, args.baseline)] + servers
    results: dict[str, list[dict[str, float]]] = {}
    load_before = os.getloadavg()
    try:
        for r in range(args.rounds):
            for srv in servers:  # interleaved: each configuration once per round
                for c in clients:
                    results.setdefault(f"{srv.name}|calc|{c}", []).append(measured(srv, c, light, args.seconds, args.warmup))
                results.setdefault(f"{srv.name}|healthz|8", []).append(measured(srv, 8, [GET_HEALTH], args.seconds, args.warmup))
                results.setdefault(f"{srv.name}|mixed|8", []).append(
                    load(srv.port, 8, light, args.seconds, args.warmup, extra=(2, heavy)) | {"cpu_ms": float("nan")})
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        for srv in servers:
            srv.stop()

    def med(key: str, field: str) -> float:
        return statistics.median(x[field] for x in results[key])

    print(f"\nPOST /api/calc over loopback, medians of {args.rounds} interleaved rounds of {args.seconds:g} s "
          f"(machine: {os.cpu_count()} cores, shared; client and server on the same cores)\n")
    print(f"{'server':<22}{'load':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU ms/answer':>15}")
    summary = {}
    md = ["| server | load | req/s | p50 ms | p99 ms | errors | server CPU ms per answer |", "|---|---|---:|---:|---:|---:|---:|"]
    for srv in servers:
        rows = [(f"calc, {c} client{'s' if c > 1 else ''}", f"{srv.name}|calc|{c}") for c in clients]
        rows += [("healthz (floor), 8 clients", f"{srv.name}|healthz|8"), ("calc, 8 light + 2 heavy (100 claims)", f"{srv.name}|mixed|8")]
        for label, key in rows:
            summary[key] = {f: med(key, f) for f in ("rps", "p50_ms", "p99_ms", "errors", "cpu_ms")}
            s = summary[key]
            print(f"{srv.name:<22}{label:<34}{s['rps']:>9.0f}{s['p50_ms']:>9.1f}{s['p99_ms']:>9.1f}{s['errors']:>8.0f}{s['cpu_ms']:>15.3f}")
            md.append(f"| {srv.name} | {label} | {s['rps']:.0f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {s['errors']:.0f} | "
                      + ("—" if s["cpu_ms"] != s["cpu_ms"] else f"{s['cpu_ms']:.3f}") + " |")
    multi = f"{args.workers} workers"
    notes: list[str] = []
    if 8 in clients:
        calc8, floor8 = summary[f"{multi}|calc|8"], summary[f"{multi}|healthz|8"]
        notes.append(f"{multi}, 8 clients: calc {calc8['rps']:.0f} req/s = {calc8['rps'] / floor8['rps']:.2f}× the trivial endpoint "
                     f"({floor8['rps']:.0f} req/s); p99 {calc8['p99_ms']:.1f} ms (goal ≥ 1500 req/s, p99 ≤ 50 ms)")
        single8 = summary["single|calc|8"]
        notes.append(f"{multi} vs single process at 8 clients: {calc8['rps'] / single8['rps']:.2f}×")
        if args.baseline:
            for name in ("single", multi):
                base8, now8 = summary[f"baseline, {name}|calc|8"], summary[f"{name}|calc|8"]
                notes.append(f"{name}, 8 clients, now vs the baseline: {base8['rps']:.0f} → {now8['rps']:.0f} req/s, "
                             f"{now8['rps'] / base8['rps']:.2f}× (p99 {base8['p99_ms']:.1f} → {now8['p99_ms']:.1f} ms; "
                             f"server CPU per answer {base8['cpu_ms']:.3f} → {now8['cpu_ms']:.3f} ms, {base8['cpu_ms'] / now8['cpu_ms']:.2f}× less)")
            mb, mm = summary[f"baseline, {multi}|mixed|8"], summary[f"{multi}|mixed|8"]
            notes.append(f"8 light clients beside 2 heavy ones, {multi}: baseline {mb['rps']:.0f} req/s, p50 {mb['p50_ms']:.0f} ms → "
                         f"now {mm['rps']:.0f} req/s, p50 {mm['p50_ms']:.0f} ms")
    print()
    for n in notes:
        print(n)
    load_after = os.getloadavg()
    if args.save:
        head = [
            "# Web service benchmark", "",
            f"`python benchmarks/bench_web.py --rounds {args.rounds} --seconds {args.seconds:g}" + (" --baseline DIR" if args.baseline else "") + " --save`",
            "", f"`POST /api/calc` over loopback with 64 different applicants; medians of {args.rounds} interleaved rounds of "
            f"{args.seconds:g} s; the client (one asyncio process) runs on the same {os.cpu_count()} cores as the server. "
            f"Load average of the shared machine: {load_before[0]:.1f} before, {load_after[0]:.1f} after (2 cores: above 2, "
            "other work was competing for them, and every figure is lower than on an idle machine).", "",
        ]
        (ROOT / "benchmarks" / "results-web.md").write_text("\n".join(head + md + [""] + [f"- {n}" for n in notes]) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
