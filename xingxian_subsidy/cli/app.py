"""The command line: one typer app, every command registered here, explicitly.

Each command lives in the module of its topic (``calc``, ``rules``, ``audit``, ``selfcheck``)
and only parses, calls one library function, renders and maps errors to exit code 2; the
options they share are in ``common``. Heavy imports (rich tables, the engine, polars) happen
inside the commands so that start-up stays lean.
"""

from __future__ import annotations

from typing import Annotated

import typer
from typer.core import TyperGroup

from .. import __version__
from . import audit, calc, messages, rules, selfcheck, variants

__all__ = ["app", "run"]

HELP = "乡村振兴奖补测算、解释与审核工具（县与年度由规则包决定）。Compute, explain and audit rural-revitalisation subsidies (the county and year come from the rule pack)."

messages.install()  # click's and typer's own messages in the run's language (Chinese by default)


class _Group(TyperGroup):
    """The top-level group: picks the language of the framework's messages from ``--lang``
    before click parses anything, so even a usage error is in the user's language."""

    def main(self, args=None, *a, **kw):  # type: ignore[override]
        import sys

        messages.use(messages.lang_of(sys.argv[1:] if args is None else args))
        return super().main(args, *a, **kw)


app = typer.Typer(
    cls=_Group,
    name="xingxian-subsidy",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="查看与校验规则数据。List, show and validate the rule data.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        print(f"xingxian-subsidy {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本。Show the version.")] = False,
) -> None:
    """乡村振兴奖补测算、解释与审核工具（县与年度由规则包决定）。"""


app.command()(calc.calc)
app.add_typer(rules_app, name="rules")
rules_app.command("list")(rules.rules_list)
rules_app.command("show")(rules.rules_show)
rules_app.command("validate")(rules.rules_validate)
rules_app.command("interpretations")(rules.rules_interpretations)
rules_app.command("diff")(variants.rules_diff)
app.command()(calc.schema)
app.command()(audit.audit)
app.command()(audit.template)
app.command()(variants.simulate)
app.command()(selfcheck.screen)
app.command()(selfcheck.serve)
app.command()(selfcheck.check)


def run() -> None:
    """Entry point: never a traceback for a user's mistake.

    An error the commands did not foresee (a bug) is reported by its kind only — its message may
    hold what the user typed, and nothing typed is printed or logged — with exit code 70
    (``XINGXIAN_DEBUG=1`` shows the traceback, for developers).
    """
    import os
    import sys

    try:
        app()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("XINGXIAN_DEBUG"):
            raise
        print(f"内部错误（{type(exc).__name__}）：这是本工具的缺陷，请报告（不必附上输入内容）。"
              f"\ninternal error ({type(exc).__name__}): a bug in this tool; please report it (without the input).", file=sys.stderr)
        sys.exit(70)
