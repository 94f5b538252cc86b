"""A page printed to PDF by headless Chromium (``chromium --headless --print-to-pdf``), the browser
the web tests already use: no PDF library to carry, and the page prints as a browser prints it
(its ``@page`` rules: A4, margins). Without Chromium the caller gets a clear error, not a crash.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import OutputError, Problem

__all__ = ["BROWSERS", "find_browser", "html_to_pdf"]

# the names a Chromium goes by (Debian: chromium; others: chromium-browser, google-chrome)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def html_to_pdf(html: str, out: Path, timeout: float = 120) -> None:
    """Print ``html`` to the PDF file ``out`` (the caller writes ``out`` atomically).

    Raises:
        OutputError: no Chromium on the machine, or it failed or took longer than ``timeout`` s.
    """
    browser = find_browser()
    if browser is None:
        raise OutputError([Problem(str(out), {"zh": f"生成 PDF 需要 Chromium（Debian 软件包 chromium），本机未找到（{'、'.join(BROWSERS)}）；可改用 --format html 后在浏览器中打印",
                                              "en": f"a PDF needs Chromium (Debian package chromium), not found ({', '.join(BROWSERS)}); "
                                                    "use --format html and print it from a browser"})])
    with tempfile.TemporaryDirectory(prefix="xx-print-") as work:
        page = Path(work) / "page.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(work) / "page.pdf"
        cmd = [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", f"--user-data-dir={Path(work) / 'profile'}",
               "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError([Problem(str(out), {"zh": f"Chromium 打印 PDF 失败：{exc}", "en": f"Chromium could not print the PDF: {exc}"})]) from None
        if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
            raise OutputError([Problem(str(out), {"zh": f"Chromium 打印 PDF 失败（退出码 {done.returncode}）",
                                                  "en": f"Chromium could not print the PDF (exit code {done.returncode})"})])
        shutil.copyfile(pdf, out)
