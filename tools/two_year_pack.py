"""A rule pack of two years, to prove nothing in the code or the tests assumes one year.

Writes OUT/rules (the bundled pack plus a 2025 year: the 2024 documents with their effective
period moved to 2025 and ONE rate changed — the service-point grant, 1500 → 1600 元/年, value
and quote), OUT/sources (the published texts plus the 2025 text with that sentence changed) and
OUT/cases (every caseworker case again for 2025, the service-point amounts recomputed at the new
rate). The 2025 year is a test fixture, not a published document: its document numbers say so.

    python tools/two_year_pack.py /tmp/two-years
    XINGXIAN_RULES=/tmp/two-years/rules XINGXIAN_SOURCES=/tmp/two-years/sources \\
        XINGXIAN_CASES=/tmp/two-years/cases python -m pytest -m "not browser"
"""

from __future__ import annotations

import argparse
import re
import shutil
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "policy"
OLD, NEW = "1500", "1600"  # the service-point grant, 元/年
RULE = "xzbf5.s5-6.service_point"
DOC_FILE = "xzbf-2024-5_employment-social-security-service-points"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--sources", type=Path, default=SOURCES, help="the published texts (default: ../shared/policy)")
    out = ap.parse_args().out
    sources = ap.parse_args().sources
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "rules", out / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(sources, out / "sources")
    y24, y25 = out / "rules" / "2024", out / "rules" / "2025"
    shutil.copytree(y24, y25)
    for path in y25.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("effective: {start: 2024-01-01, end: 2025-01-01}", "effective: {start: 2025-01-01, end: 2026-01-01}")
        text = re.sub(r"^(  number: .*?)$", r"\1（测试用 2025 年）", text, count=1, flags=re.M)
        if path.stem == DOC_FILE:
            text = text.replace(f'value: "{OLD}"', f'value: "{NEW}"').replace(f"标准为{OLD}元/年", f"标准为{NEW}元/年")
            text = text.replace(f"source_file: {DOC_FILE}.txt", f"source_file: {DOC_FILE}-2025.txt")
        path.write_text(text, encoding="utf-8")
    source = (sources / f"{DOC_FILE}.txt").read_text(encoding="utf-8")
    (out / "sources" / f"{DOC_FILE}-2025.txt").write_text(source.replace(f"标准为{OLD}元/年", f"标准为{NEW}元/年"), encoding="utf-8")
    (out / "cases").mkdir()
    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            case["name"] = "2025：" + case["name"]
            applicant = case["applicant"]
            if applicant.get("year") == 2024:
                applicant["year"] = 2025
            _reprice(case)
        (out / "cases" / f"2025_{path.name}").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"two-year pack written to {out}")


def _reprice(case: dict) -> None:
    """The service-point lines of a 2025 case at the new rate (points × 1600), and the total."""
    claims = case["applicant"].get("claims") or []
    lines = (case.get("expect") or {}).get("lines") or []
    changed = Decimal(0)
    for claim, line in zip(claims, lines):
        if claim.get("rule") != RULE or line.get("status") != "awarded" or "amount" not in line:
            continue
        new = Decimal(str(claim["inputs"]["service_points"])) * Decimal(NEW)
        changed += new - Decimal(str(line["amount"]))
        line["amount"] = f"{new:.2f}"
    if changed and "total" in case["expect"]:
        case["expect"]["total"] = f"{Decimal(str(case['expect']['total'])) + changed:.2f}"


if __name__ == "__main__":
    main()
