"""Screenshots of the audit report's sheets for docs/audit.md (docs, not tests).

Builds three township rosters laid out like the forms (``form_rosters``: 附件8 for 蔡家崖乡 and
魏家滩镇 — the latter's 合计 off by 100 元, as a finding to show — and 魏家滩镇's 户厕 list), audits the
folder into one report workbook, prints it with LibreOffice as a clerk would (the sheets' own page
setup) and renders the first page of each sheet with poppler::

    python tools/report_screenshots.py            # writes docs/screenshot-audit-*.png

Needs the Debian packages libreoffice-calc and poppler-utils (not needed by the tests or CI).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from form_rosters import Habits, courtyard_roster, toilet_roster  # noqa: E402

from xingxian_subsidy.audit.pipeline import audit  # noqa: E402
from xingxian_subsidy.audit.writers import write_report  # noqa: E402

# each sheet, the words its first page starts with, and the picture's name
SHEETS = [("明细", "名册审核明细表", "detail"), ("问题清单", "名册审核问题清单", "issues"), ("汇总", "名册审核汇总表", "summary"),
          ("附件7", "附件7", "annex7"), ("附件2", "附件2", "annex2"), ("说明", "名册审核说明", "about")]


def main(out_dir: Path = ROOT / "docs") -> None:
    from pypdf import PdfReader

    soffice, pdftoppm = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftoppm")
    if not (soffice and pdftoppm):
        sys.exit("needs LibreOffice (apt-get install libreoffice-calc) and pdftoppm (apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="xx-shots-") as tmp:
        work = Path(tmp)
        rosters = work / "rosters"
        rosters.mkdir()
        courtyard_roster(rosters / "蔡家崖乡_庭院经济.xlsx", township="蔡家崖乡", n=14)
        courtyard_roster(rosters / "魏家滩镇_庭院经济.xlsx", township="魏家滩镇", villages=["店上", "王家畔"], n=10, seed=7,
                         habits=Habits(wrong_total=100))
        toilet_roster(rosters / "魏家滩镇_户厕.xlsx", n=12)
        report = audit(rosters)
        xlsx = work / "审核报告.xlsx"
        write_report(report, xlsx)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation={(work / 'lo').as_uri()}", "--convert-to", "pdf", "--outdir", str(work),
                        str(xlsx)], check=True, capture_output=True, timeout=300)
        pdf = work / "审核报告.pdf"
        pages = [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]
        for sheet, words, name in SHEETS:
            n = next((i for i, text in enumerate(pages, 1) if words in text), None)
            if n is None:
                print(f"{sheet}: no page found", file=sys.stderr)
                continue
            target = out_dir / f"screenshot-audit-{name}"
            subprocess.run([pdftoppm, "-png", "-r", "80", "-f", str(n), "-l", str(n), "-singlefile", str(pdf), str(target)], check=True, timeout=120)
            print(f"{sheet}: page {n} → {target.with_suffix('.png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
