"""Issue 11: ``calc --format html`` is a page to print and sign, and ``--format pdf`` prints it with
headless Chromium: one A4 page for a household — the applicant, each line and its amount, the
total, the conditions checked, the citations, room for signatures; the ID masked unless asked,
what the applicant typed escaped, nothing written over the applicant file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xingxian_subsidy.cli import app
from xingxian_subsidy.core.errors import OutputError
from xingxian_subsidy.render import pdf as pdf_module

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
runner = CliRunner()
HAS_CHROMIUM = pdf_module.find_browser() is not None


def _has_cjk_font() -> bool:
    try:
        return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return False


def _applicant(tmp_path: Path, name: str = "刘改梅", id_number: str | None = "141123198003245926") -> Path:
    path = tmp_path / "a.yaml"
    lines = ["year: 2024", "applicant:", f"  name: '{name}'", "  subject: 农户", "  category: 一般户", "  township: 魏家滩镇", "  village: 苏家里村"]
    if id_number:
        lines.append(f"  id_number: '{id_number}'")
    lines += ["claims:", "  - rule: xzbf8.s5-4.indoor_flush", "    inputs:", "      township_self_inspection_passed: 是",
              "      county_reinspection_passed: 是"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_html_page_has_what_a_signed_award_needs(tmp_path):
    result = runner.invoke(app, ["calc", str(EXAMPLES / "ordinary_household_courtyard_toilet.yaml"), "-f", "html"])
    assert result.exit_code == 0, result.output
    page = result.output
    assert page.startswith("<!DOCTYPE html>") and "@page { size: A4" in page and "@media print" in page
    for words in ("奖补测算单", "申请人：刘改梅", "庭院经济阶梯式奖补", "400.00", "2,000.00", "324.45", "2,724.45",  # lines and total
                  "条件：✓ 申请主体类型", "✓ 验收合格：是", "依据：兴政办发〔2024〕12号", "计算：1800 元落在二档",  # conditions, calculation, citation
                  "申请人（签字、按手印）", "乡镇审核人", "日期"):
        assert words in page, words
    assert page.count('<tr class="line">') == 3


def test_the_id_is_masked_unless_asked_and_what_was_typed_is_escaped(tmp_path):
    path = _applicant(tmp_path, name="<script>alert(1)</script>王")
    page = runner.invoke(app, ["calc", str(path), "-f", "html"]).output
    assert "141123********5926" in page and "141123198003245926" not in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    shown = runner.invoke(app, ["calc", str(path), "-f", "html", "--show-id"]).output
    assert "141123198003245926" in shown


def test_the_page_in_english(tmp_path):
    page = runner.invoke(app, ["calc", str(_applicant(tmp_path)), "-f", "html", "--lang", "en"]).output
    assert 'lang="en"' in page and "Subsidy calculation sheet" in page and "Applicant (signature)" in page and "2,000.00" in page


def test_written_to_a_file_never_over_the_applicant(tmp_path):
    path = _applicant(tmp_path)
    out = tmp_path / "award.html"
    assert runner.invoke(app, ["calc", str(path), "-f", "html", "-o", str(out)]).exit_code == 0
    assert "2,000.00" in out.read_text(encoding="utf-8")
    before = path.read_bytes()
    over = runner.invoke(app, ["calc", str(path), "-f", "html", "-o", str(path)])
    assert over.exit_code == 2 and path.read_bytes() == before
    assert runner.invoke(app, ["calc", str(path), "-f", "pdf"]).exit_code == 2, "a PDF needs -o"
    assert runner.invoke(app, ["calc", str(path), "-o", str(tmp_path / "t.txt")]).exit_code == 2, "the table is for the screen"


def test_without_chromium_a_pdf_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "find_browser", lambda: None)
    with pytest.raises(OutputError) as info:
        pdf_module.html_to_pdf("<p>x</p>", tmp_path / "x.pdf")
    assert "Chromium" in info.value.text("zh") and "--format html" in info.value.text("en")
    result = runner.invoke(app, ["calc", str(_applicant(tmp_path)), "-f", "pdf", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "Traceback" not in result.output and not (tmp_path / "x.pdf").exists()


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="needs the Debian package chromium")
@pytest.mark.parametrize("example", ["ordinary_household_courtyard_toilet", "sanlei_household_sheep_vegetables"])
def test_a_household_award_prints_on_one_a4_page(tmp_path, example):
    from pypdf import PdfReader

    out = tmp_path / "award.pdf"
    result = runner.invoke(app, ["calc", str(EXAMPLES / f"{example}.yaml"), "-f", "pdf", "-o", str(out)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3, "A4 portrait"
    text = reader.pages[0].extract_text()
    total = runner.invoke(app, ["calc", str(EXAMPLES / f"{example}.yaml"), "-f", "json"]).output
    import json

    assert f"{float(json.loads(total)['total']):,.2f}" in text
    if _has_cjk_font():  # without one Chromium prints boxes, whose text a PDF reader cannot give back
        assert "奖补测算单" in text and "申请人（签字" in text and "依据" in text
