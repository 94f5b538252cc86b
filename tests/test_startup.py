"""``calc`` on one applicant starts lean: it imports what computing and printing one award needs,
not the other commands, the roster audit (polars), the web service or a table renderer it does
not print with. Checked in a fresh process by the modules loaded — a time would be flaky; the
time itself is ``benchmarks/bench_startup.py``'s."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "courtyard_sanlei_household.yaml"

# what neither `calc` nor the help needs: the audit, the web service and their libraries, click
# itself (typer carries its own copy) and the package metadata pydantic reads to find plugins
LIBRARIES = ("polars", "fastapi", "starlette", "uvicorn", "openpyxl", "numpy", "click", "importlib.metadata",
             "xingxian_subsidy.audit", "xingxian_subsidy.web")
OTHER_COMMANDS = ("xingxian_subsidy.cli.audit", "xingxian_subsidy.cli.rules", "xingxian_subsidy.cli.selfcheck")

def modules_of(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh process has loaded once the command ``args`` has finished."""
    out = tmp_path / "modules.txt"
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: open({str(out)!r}, 'w').write('\\n'.join(sys.modules)))\n"
            f"sys.argv = ['xingxian-subsidy', *{list(args)!r}]\n"
            "from xingxian_subsidy.cli import run\n"
            "run()\n")
    env = {**os.environ, "XINGXIAN_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the second run is served by the kept pack, as a user's is
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    return set(out.read_text().split("\n"))


def loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_calc_imports_only_what_it_needs(tmp_path, fmt):
    modules = modules_of(tmp_path, "calc", str(EXAMPLE), "--format", fmt)
    assert "xingxian_subsidy.engine.compute" in modules and "xingxian_subsidy.cli.calc" in modules  # it did compute
    assert [name for name in LIBRARIES + OTHER_COMMANDS if loaded(modules, name)] == []
    assert loaded(modules, "rich") == (fmt == "table")  # JSON is printed without the table renderer


def test_help_lists_every_command_without_the_engine(tmp_path):
    modules = modules_of(tmp_path, "--help")
    assert [name for name in (*LIBRARIES, "xingxian_subsidy.engine") if loaded(modules, name)] == []


def test_pydantic_plugins_are_loaded_when_the_user_asks(tmp_path, monkeypatch):
    """PYDANTIC_DISABLE_PLUGINS set (here empty: every plugin wanted) is the user's choice: pydantic's
    own loader then looks for plugins as usual."""
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")
    modules = modules_of(tmp_path, "calc", str(EXAMPLE), "--format", "json")
    assert "importlib.metadata" in modules


def test_the_plugin_loader_stand_in_steps_aside_for_any_other_name(monkeypatch):
    """A later pydantic asking the stand-in for more than ``get_plugins`` gets the real loader's answer."""
    import sys

    from xingxian_subsidy.cli.app import _PluginsOff

    monkeypatch.delitem(sys.modules, _PluginsOff.NAME, raising=False)
    stand_in = _PluginsOff(_PluginsOff.NAME)
    monkeypatch.setitem(sys.modules, _PluginsOff.NAME, stand_in)
    assert stand_in.get_plugins() == ()  # its own answer: no plugin
    real = stand_in.__getattr__("get_plugins")  # a name it does not stand in for goes the same way
    assert callable(real) and sys.modules[_PluginsOff.NAME] is not stand_in  # the real loader was imported and answered
