"""Cold start of `xingxian-subsidy calc` on one applicant: median of N fresh processes.

Run:  .venv/bin/python benchmarks/bench_startup.py [--runs 21] [--example examples/courtyard_sanlei_household.yaml]
      .venv/bin/python benchmarks/bench_startup.py --against /tmp/base/.venv/bin/python

Machines here are noisy: the script reports the median (and min/max) of many runs,
and the ratio of `calc` to a bare `python -c pass`, which is steadier than seconds.
With ``--cpu`` a run is timed by the processor time it used (steadier when other work runs).
With ``--against PYTHON`` (the interpreter of another checkout, e.g. the code before a change)
each command runs in turns, that one then this one, and the table gives both medians and
their ratio: a burst of load on the machine hits both alike.

Each checkout's package is byte-compiled first (``compileall``), as it is once installed: pip
compiles a wheel's modules at install, and an editable checkout writes its ``__pycache__`` on
the first run — unless ``PYTHONDONTWRITEBYTECODE`` is set, as it is on some build machines, where
every run would otherwise compile ~35 modules of ours from source (≈0.14 s of a 0.36 s ``calc``).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


CPU = False  # --cpu: time a run by the processor time it used (user + system), not the clock


def once(cmd: list[str], cwd: Path = ROOT) -> float:
    t0, c0 = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return _children_cpu() - c0 if CPU else time.perf_counter() - t0


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def timed(cmd: list[str], runs: int) -> list[float]:
    return [once(cmd) for _ in range(runs)]


def interleaved(cmds: list[tuple[list[str], Path]], runs: int) -> list[list[float]]:
    """Each (command, folder) once per round, in turns: the i-th list holds the times of ``cmds[i]``."""
    out: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for times, (cmd, cwd) in zip(out, cmds):
            times.append(once(cmd, cwd))
    return out


def checkout_of(python: str) -> Path:
    """The checkout whose package ``python`` imports (``-m`` runs from there: the folder one
    starts in comes first on the import path)."""
    code = "import pathlib, xingxian_subsidy; print(pathlib.Path(xingxian_subsidy.__file__).resolve().parent.parent)"
    return Path(subprocess.run([python, "-c", code], cwd="/", capture_output=True, text=True, check=True).stdout.strip())


def in_process() -> dict[str, float]:
    code = (
        "import time;t0=time.perf_counter();"
        "from xingxian_subsidy.pack.loader import load_rules;t1=time.perf_counter();"
        "p=load_rules();t2=time.perf_counter();"
        "from xingxian_subsidy.engine.applicant import read_applicant;from xingxian_subsidy.engine.compute import compute;t3=time.perf_counter();"
        f"a,yr=read_applicant({str(ROOT / 'examples/courtyard_sanlei_household.yaml')!r},p);aw=compute(a,yr,p);t4=time.perf_counter();"
        "print(t1-t0,t2-t1,t3-t2,t4-t3)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    a, b, c, d = map(float, res.stdout.split())
    return {"import rules module": a, "load + validate rule pack": b, "import engine": c, "read + compute one applicant": d}


def byte_compiled(python: str, checkout: Path) -> None:
    """Write the bytecode of the checkout's package, as installing it does (see the module's docstring)."""
    subprocess.run([python, "-m", "compileall", "-q", str(checkout / "xingxian_subsidy")], check=True, stdout=subprocess.DEVNULL)


def cases(python: str, example: str) -> dict[str, list[str]]:
    cli = [python, "-m", "xingxian_subsidy"]
    return {
        "python -c pass (floor)": [python, "-c", "pass"],
        # what any command that reads a file into models pays before a line of ours runs
        "import pydantic + yaml (no code)": [python, "-c", "import pydantic.main, pydantic.fields, pydantic.types, yaml"],
        "xingxian-subsidy --help": cli + ["--help"],
        "calc --format json": cli + ["calc", example, "--format", "json"],
        "calc (rich table)": cli + ["calc", example],
    }


def against(base: str, example: str, runs: int) -> None:
    """Interleaved rounds of the same commands under ``base`` (A) and this checkout (B)."""
    a, b = cases(base, example), cases(sys.executable, example)
    root_a = checkout_of(base)
    byte_compiled(base, root_a)
    byte_compiled(sys.executable, ROOT)
    print(f"A = {base} ({root_a})\nB = {sys.executable} ({ROOT})\n")
    print(f"{'command':32} {'A median s':>10} {'B median s':>10} {'B / A':>6} {'A × floor':>9} {'B × floor':>9}")
    floors = None
    for name in a:
        ta, tb = (statistics.median(t) for t in interleaved([(a[name], root_a), (b[name], ROOT)], runs))
        floors = floors or (ta, tb)
        print(f"{name:32} {ta:10.3f} {tb:10.3f} {tb / ta:6.2f} {ta / floors[0]:9.1f} {tb / floors[1]:9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--example", default="examples/courtyard_sanlei_household.yaml")
    ap.add_argument("--against", metavar="PYTHON", help="the interpreter of another checkout: interleaved A/B rounds")
    ap.add_argument("--cpu", action="store_true", help="processor time (user + system) of each run instead of the clock: "
                                                       "steadier on a loaded machine, blind to waiting on disk")
    args = ap.parse_args()
    global CPU
    CPU = args.cpu
    if args.against:
        against(args.against, args.example, args.runs)
        return
    byte_compiled(sys.executable, ROOT)
    print(f"{'command':32} {'median s':>9} {'min s':>7} {'max s':>7} {'× floor':>8}")
    floor = None
    for name, cmd in cases(sys.executable, args.example).items():
        t = timed(cmd, args.runs)
        med = statistics.median(t)
        floor = floor or med
        print(f"{name:32} {med:9.3f} {min(t):7.3f} {max(t):7.3f} {med / floor:8.1f}")
    print()
    print("in one process (seconds, single run):")
    for k, v in in_process().items():
        print(f"  {k:32} {v:.3f}")


if __name__ == "__main__":
    main()
