"""The docs match the code: the generated rule list is current, and the README names every command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command
from typer.testing import CliRunner

from xingxian_subsidy.cli import app
from xingxian_subsidy.cli.rules import rules_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_rules_md_is_generated_from_the_current_pack(yr):
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown(yr, "zh"), (
        "regenerate: xingxian-subsidy rules list --markdown > docs/rules.md")


def test_readme_counts_the_rules(yr):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"the {len(yr.rules)} rules" in readme


def test_readme_names_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = get_command(app)  # the click group typer builds: every command, by name
    commands = set(top.list_commands(None)) - {"rules"}
    commands |= {f"rules {c}" for c in top.get_command(None, "rules").list_commands(None)}
    assert "calc" in commands and "rules list" in commands
    missing = sorted(c for c in commands if f"xingxian-subsidy {c}" not in readme)
    assert missing == []


def test_readme_setup_is_two_commands_that_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## 快速开始.*?```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1].strip() in ci  # the README's test command is the one CI runs
    assert "examples/" in block[0] and (ROOT / block[0].split()[-1]).exists()


def test_every_command_help_is_bilingual():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "奖补" in result.output and "subsidies" in result.output
    # the county and the year come from the rule pack, not from the code
    assert "兴县" not in result.output and "2024" not in result.output
