"""The command line speaks Chinese by default, the framework's own messages included (click's
“Show this message and exit.”, “Got unexpected extra argument(s)”, “Missing argument” …), and
click's English with --lang en. Run as a person would: the installed command, in a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xingxian_subsidy.cli.messages import lang_of, translate, use

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xingxian_subsidy", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["calc"], "缺少参数“applicant”。", "Missing argument 'applicant'."),
    (["calc", "a.yaml", "b.yaml"], "多余的参数：b.yaml", "Got unexpected extra argument(s) (b.yaml)"),
    (["calc", "--nope", "a.yaml"], "没有选项 --nope", "No such option: --nope"),
    (["serve", "--port", "x"], "'--port' 的值无效：应为整数", "Invalid value for '--port'"),
    (["rules", "nope"], "没有命令“nope”。", "No such command 'nope'"),
])
def test_usage_errors_in_chinese_by_default_and_english_on_request(args, zh, en):
    r = run(*args)
    assert r.returncode == 2
    assert zh in r.stderr and "用法：" in r.stderr and "错误：" in r.stderr and "查看帮助" in r.stderr
    assert "Usage:" not in r.stderr and "Error:" not in r.stderr and "Try '" not in r.stderr
    assert "Traceback" not in r.stderr
    r = run(*args, "--lang", "en") if args != ["calc", "a.yaml", "b.yaml"] else run("calc", "a.yaml", "b.yaml", "--lang", "en")
    assert r.returncode == 2
    assert en in r.stderr and "Usage:" in r.stderr and "用法" not in r.stderr


def test_help_in_chinese():
    r = run("--help")
    assert r.returncode == 0
    assert "用法：" in r.stdout and "显示本帮助并退出。" in r.stdout and "选项" in r.stdout and "命令" in r.stdout
    assert "Show this message and exit." not in r.stdout
    r = run("calc", "--help", "--lang", "en")
    assert "Show this message and exit." in r.stdout and "Usage:" in r.stdout


def test_lang_of_reads_the_command_line():
    assert lang_of(["calc", "x", "--lang", "en"]) == "en"
    assert lang_of(["calc", "--lang=en"]) == "en"
    assert lang_of(["calc", "--lang", "zh"]) == "zh"
    assert lang_of(["calc", "--", "--lang", "en"]) == "zh"  # after -- it is an argument
    assert lang_of([]) == "zh"


def test_an_unknown_message_stays_as_written():
    use("zh")
    assert translate("Something click may say one day.") == "Something click may say one day."
    assert translate("Error: Missing option '--subject'.") == "错误：缺少选项“--subject”。"
    use("en")
    try:
        assert translate("Error: Missing option '--subject'.") == "Error: Missing option '--subject'."
    finally:
        use("zh")
