"""The command line: one typer app, every command listed here, explicitly.

Each command lives in the module of its topic (``calc``, ``rules``, ``audit``, ``selfcheck``)
and only parses, calls one library function, renders and maps errors to exit code 2; the
options they share are in ``common``. A command's module is imported, and its click command
built, only when that command runs (or a help page lists it): ``calc`` on one applicant does
not pay for the other commands' options, nor for their imports. Heavy imports (rich tables,
the engine, polars) happen inside the commands so that start-up stays lean.
"""

from __future__ import annotations

import importlib
import types
from typing import Annotated

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from .. import __version__
from . import messages

__all__ = ["COMMANDS", "RULES_COMMANDS", "app", "run"]

# Every command, in the order the help lists them: name → (module of this package, function).
# ``rules`` is a group of its own (RULES_COMMANDS).
COMMANDS: dict[str, tuple[str, str] | None] = {
    "calc": ("calc", "calc"),
    "schema": ("calc", "schema"),
    "audit": ("audit", "audit"),
    "template": ("audit", "template"),
    "simulate": ("variants", "simulate"),
    "screen": ("selfcheck", "screen"),
    "serve": ("selfcheck", "serve"),
    "check": ("selfcheck", "check"),
    "rules": None,
}
RULES_COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("rules", "rules_list"),
    "show": ("rules", "rules_show"),
    "validate": ("rules", "rules_validate"),
    "interpretations": ("rules", "rules_interpretations"),
    "diff": ("variants", "rules_diff"),
}
RULES_HELP = "查看与校验规则数据。List, show and validate the rule data."

HELP = "乡村振兴奖补测算、解释与审核工具（县与年度由规则包决定）。Compute, explain and audit rural-revitalisation subsidies (the county and year come from the rule pack)."

messages.install()  # click's and typer's own messages in the run's language (Chinese by default)


class _Commands(dict):
    """The top-level commands by name, each built (its module imported) when first looked up:
    the names are all known at once (for ``No such command … did you mean``), the commands not."""

    def __getitem__(self, name: str):
        command = super().__getitem__(name)
        if command is None:
            command = _build(name)
            super().__setitem__(name, command)
        return command

    def get(self, name: str, default=None):
        if name not in self:
            return default
        return self[name]

    def items(self):
        return [(name, self[name]) for name in self]

    def values(self):
        return [self[name] for name in self]


class _Group(TyperGroup):
    """The top-level group: picks the language of the framework's messages from ``--lang``
    before click parses anything, so even a usage error is in the user's language; builds a
    command only when it is needed (``_Commands``)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.commands = _Commands({**dict.fromkeys(COMMANDS), **self.commands})  # (and any registered on ``app``)

    def main(self, args=None, *a, **kw):  # type: ignore[override]
        import sys

        messages.use(messages.lang_of(sys.argv[1:] if args is None else args))
        return super().main(args, *a, **kw)


def _build(name: str):
    """The click command ``name`` (or the ``rules`` group), as typer would have built it."""
    settings = dict(pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode)
    if name != "rules":
        return get_command_from_info(CommandInfo(name=name, callback=_function(COMMANDS[name])), **settings)
    rules_app = typer.Typer(help=RULES_HELP, no_args_is_help=True)
    for sub, where in RULES_COMMANDS.items():
        rules_app.command(sub)(_function(where))
    return get_group_from_info(TyperInfo(rules_app, name="rules"), suggest_commands=app.suggest_commands, **settings)


def _function(where: tuple[str, str] | None):
    assert where is not None
    module, function = where
    return getattr(importlib.import_module(f".{module}", __package__), function)


app = typer.Typer(
    cls=_Group,
    name="xingxian-subsidy",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"xingxian-subsidy {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本。Show the version.")] = False,
) -> None:
    """乡村振兴奖补测算、解释与审核工具（县与年度由规则包决定）。"""


def run() -> None:
    """Entry point: never a traceback for a user's mistake.

    An error the commands did not foresee (a bug) is reported by its kind only — its message may
    hold what the user typed, and nothing typed is printed or logged — with exit code 70
    (``XINGXIAN_DEBUG=1`` shows the traceback, for developers).
    """
    import os
    import sys

    _no_pydantic_plugins()
    try:
        app()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # a library's panic (pyo3's PanicException) is not an Exception
        if os.environ.get("XINGXIAN_DEBUG"):
            raise
        print(f"内部错误（{type(exc).__name__}）：这是本工具的缺陷，请报告（不必附上输入内容）。"
              f"\ninternal error ({type(exc).__name__}): a bug in this tool; please report it (without the input).", file=sys.stderr)
        sys.exit(70)


def _no_pydantic_plugins() -> None:
    """The tool uses no pydantic plugin: pydantic is told so (``PYDANTIC_DISABLE_PLUGINS``, unless
    the user set it; set it empty to have plugins loaded), and its plugin loader is not imported
    at all — it imports ``importlib.metadata`` (email, zipfile …) even when plugins are off,
    about a tenth of ``calc``'s start. pydantic asks the loader for one thing, ``get_plugins``:
    with plugins off, its answer is always none. Should a later pydantic ask it for anything else,
    the stand-in steps aside and the real loader is imported and answers (``_PluginsOff``)."""
    import os
    import sys

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in ("__all__", "1", "true") and _PluginsOff.NAME not in sys.modules:
        sys.modules[_PluginsOff.NAME] = _PluginsOff(_PluginsOff.NAME, "pydantic's plugin loader, with plugins off (xingxian_subsidy.cli.app)")


class _PluginsOff(types.ModuleType):
    """Stands in for pydantic's plugin loader while plugins are off: ``get_plugins`` finds none;
    any other name brings the real loader in (so a pydantic that needs more still works)."""

    NAME = "pydantic.plugin._loader"

    @staticmethod
    def get_plugins() -> tuple:
        return ()

    def __getattr__(self, attr: str):
        import importlib
        import sys

        if attr.startswith("__"):
            raise AttributeError(attr)
        sys.modules.pop(self.NAME, None)
        return getattr(importlib.import_module(self.NAME), attr)
