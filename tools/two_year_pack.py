"""A rule pack of two years, to prove nothing in the code or the tests assumes one year.

Writes OUT/rules — the bundled pack plus a 2025 year made the way a county would make it: a
folder holding only ``overlay.yaml`` on 2024 with ONE rate changed (the service-point grant,
1500 → 1600 元/年) and the (made-up) notice text its quote comes from — and OUT/cases (every
caseworker case again for 2025, the service-point amounts recomputed at the new rate). The 2025
year is a test fixture, not a published document: it says so.

    python tools/two_year_pack.py /tmp/two-years
    XINGXIAN_RULES=/tmp/two-years/rules XINGXIAN_CASES=/tmp/two-years/cases python -m pytest -m "not browser"
"""

from __future__ import annotations

import argparse
import shutil
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OLD, NEW = "1500", "1600"  # the service-point grant, 元/年
RULE = "xzbf5.s5-6.service_point"
QUOTE = f"基层就业社保服务点就业补助资金标准由{OLD}元/年调整为{NEW}元/年"
OVERLAY = f"""# 测试用（虚构）：2025 年 = 2024 年规则，只调整服务点补助一项。TEST FIXTURE, NOT A PUBLISHED DOCUMENT.
overlay:
  id: two-year-test-2025
  title: {{zh: 测试用 2025 年（虚构）, en: "2025 for tests (made up)"}}
  base_year: 2024
  year: 2025
  illustration: true
  document:
    id: test2025
    number: 测试〔2025〕（虚构）
    title: 测试用：2025年服务点补助标准（虚构）
    issuer: （测试用，无发文机关）
    date: 2025-01-01
    source_file: notice_2025_test.txt
    effective: {{start: 2025-01-01, end: 2026-01-01}}
    illustration: true
changes:
  - {{set: xzbf5.service_point_rate, value: "{NEW}", quote: "{QUOTE}", section: 一, since: 2025-01-01}}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    out = ap.parse_args().out
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(ROOT / "rules", out / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    year = out / "rules" / "2025"
    year.mkdir()
    (year / "overlay.yaml").write_text(OVERLAY, encoding="utf-8")
    (year / "notice_2025_test.txt").write_text(f"测试用（虚构）\n一、{QUOTE}。\n", encoding="utf-8")
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
