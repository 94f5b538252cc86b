"""The command-line framework's own messages in Chinese: click's and typer's (“Show this message
and exit.”, “Got unexpected extra argument(s)”, “Missing argument” …), which no catalogue
translates.

Two ways in, because typer (0.2x) carries its own copy of click whose messages are plain
f-strings, while click itself and typer's ``core`` write through ``gettext``:

* the gettext ones: :func:`install` points each module's ``_`` and ``ngettext`` at
  :func:`gettext` / :func:`ngettext` below;
* the f-string ones: :func:`install` wraps how an error is shown and how help and usage are
  rendered, and :func:`translate` turns the finished English sentence into Chinese by pattern.

Both answer in the language chosen for this run (:func:`use`): Chinese by default, English
(click's own words) with ``--lang en``. A message with no translation stays as click wrote it,
so a newer click never shows an empty line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["NGETTEXT_ZH", "PATTERNS", "ZH", "gettext", "install", "lang_of", "ngettext", "translate", "use"]

ZH: dict[str, str] = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Usage:": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Positional arguments": "位置参数",
    "Commands": "命令",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "Option {name!r} does not take a value.": "选项“{name}”不带值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Aborted!": "已中止。",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已弃用",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Error: invalid input": "错误：输入无效",
    "Do you want to continue?": "是否继续？",
    "Press any key to continue...": "按任意键继续……",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "integer": "整数",
    "float": "数字",
}

# click's singular → the Chinese for one and for many (the placeholders of each form kept).
NGETTEXT_ZH: dict[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})": ("多余的参数：{args}", "多余的参数：{args}"),
    "Option {name!r} requires an argument.": ("选项“{name}”需要一个值。", "选项“{name}”需要 {nargs} 个值。"),
    "Did you mean {possibility}?": ("是否应为 {possibility}？", "（是否应为以下之一：{possibilities}？）"),
    "{value!r} is not {choice}.": ("“{value}”不是可选值 {choice}。", "“{value}”不在可选值中：{choices}。"),
    "Takes {nargs} values but 1 was given.": ("需要 {nargs} 个值，只给了 1 个。", "需要 {nargs} 个值，给了 {len} 个。"),
}

_state = {"lang": "zh"}


def use(lang: str) -> None:
    """Choose the language of the framework's messages for this run (zh or en)."""
    _state["lang"] = "en" if lang == "en" else "zh"


def lang_of(args: Sequence[str]) -> str:
    """The language asked for on a command line (``--lang en`` / ``--lang=en``), zh otherwise."""
    args = list(args)
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args):
            return "en" if args[i + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "zh"


def gettext(message: str) -> str:
    """click's ``_``: the Chinese when that is the language and a translation exists."""
    if _state["lang"] != "zh":
        return message
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """click's ``ngettext``: the Chinese for one or for many."""
    zh = NGETTEXT_ZH.get(singular) if _state["lang"] == "zh" else None
    if zh is None:
        return singular if n == 1 else plural
    return zh[0] if n == 1 else zh[1]


# Finished English sentences of typer's copy of click (and of its value coercion) → Chinese.
_KIND = {"argument": "参数", "option": "选项", "parameter": "参数"}
PATTERNS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), r) for p, r in [
    (r"^Usage: ", "用法："),
    (r"Try '([^']*) --help' for help\.", r"运行“\1 --help”查看帮助。"),
    (r"^Error: ", "错误："),
    (r"Got unexpected extra argument\(s\) \((.*)\)", r"多余的参数：\1"),
    (r"Got unexpected extra arguments? \((.*)\)", r"多余的参数：\1"),
    (r"Missing (argument|option|parameter) '([^']*)'\.", lambda m: f"缺少{_KIND[m.group(1)]}“{m.group(2)}”。"),
    (r"Missing (argument|option|parameter) ([^.]*)\.", lambda m: f"缺少{_KIND[m.group(1)]} {m.group(2)}。"),
    (r"Missing parameter: (.*)", r"缺少参数：\1"),
    (r"Missing command\.", "缺少命令。"),
    (r"No such option: (\S+)", r"没有选项 \1"),
    (r"No such command '([^']*)'\.?", r"没有命令“\1”。"),
    (r"Option '([^']*)' requires an argument\.", r"选项“\1”需要一个值。"),
    (r"Option '([^']*)' requires (\d+) arguments\.", r"选项“\1”需要 \2 个值。"),
    (r"Option '([^']*)' does not take a value\.", r"选项“\1”不带值。"),
    (r"Invalid value for ([^:]*): ", r"\1 的值无效："),
    (r"Invalid value: ", "值无效："),
    (r"\s*\(?Possible options: ([^)]*)\)?", r"（可选：\1）"),
    (r"\.? ?Did you mean ([^?]*)\?", r"。是否应为 \1？"),
    (r"Input should be a valid integer[^.;]*", "应为整数"),
    (r"Input should be a valid number[^.;]*", "应为数字"),
    (r"Input should be a valid boolean[^.;]*", "应为是或否"),
    (r"Input should be greater than or equal to (\S+)", r"应不小于 \1"),
    (r"Input should be less than or equal to (\S+)", r"应不大于 \1"),
    (r"Input should be (.+)", r"应为 \1"),
    (r"'([^']*)' is not one of ([^.]*)\.?", r"“\1”不在可选值中：\2。"),
    (r"Could not open file '([^']*)': ", r"无法打开文件“\1”："),
    (r"(File|Directory|Path) '([^']*)' does not exist\.", lambda m: f"{ {'File': '文件', 'Directory': '文件夹', 'Path': '路径'}[m.group(1)]}“{m.group(2)}”不存在。"),
    (r"Show this message and exit\.", "显示本帮助并退出。"),
    (r"^Aborted!$", "已中止。"),
]]


def translate(text: str) -> str:
    """A finished message of typer's copy of click in Chinese (when that is the language)."""
    if _state["lang"] != "zh":
        return text
    out = []
    for line in text.split("\n"):
        for pattern, repl in PATTERNS:
            line = pattern.sub(repl, line)
        out.append(line)
    return "\n".join(out)


_CLICK = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
          "click.termui", "click.types", "click.utils")


def install() -> None:
    """Point click's and typer's ``_`` and ``ngettext`` at this module (once; idempotent).

    click itself is imported only for a typer that runs on it: a typer with its own copy never
    uses it (importing it would only slow every command's start).
    """
    import importlib
    import sys

    own_copy = _wrap_typer_click()
    for name in ("typer.core", *_CLICK):
        if own_copy and name.startswith("click.") and name not in sys.modules:
            continue
        try:
            mod = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a click without that module
            continue
        if hasattr(mod, "_"):
            mod._ = gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext


def _wrap_typer_click() -> bool:
    """typer's own copy of click: translate what it shows (errors, help, usage) on the way out.
    False when typer has no copy of its own (it uses click)."""
    try:
        from typer._click import core, exceptions
    except ImportError:  # pragma: no cover - a typer that uses click itself (covered by gettext above)
        return False
    for cls in (exceptions.ClickException, exceptions.UsageError):
        if "show" in cls.__dict__ and not getattr(cls.show, "_translated", False):
            cls.show = _translated_show(cls.show)
    for name in ("get_help", "get_usage"):
        method = getattr(core.Context, name)
        if not getattr(method, "_translated", False):
            setattr(core.Context, name, _translated(method))
    return True


def _translated_show(show):
    def wrapper(self, file=None):
        import io

        from typer._click.exceptions import get_text_stderr

        buffer = io.StringIO()
        show(self, buffer)
        stream = file if file is not None else get_text_stderr()
        stream.write(translate(buffer.getvalue()))
        stream.flush()
    wrapper._translated = True  # type: ignore[attr-defined]
    return wrapper


def _translated(method):
    def wrapper(self, *args, **kwargs):
        return translate(method(self, *args, **kwargs))
    wrapper.__doc__ = method.__doc__
    wrapper._translated = True  # type: ignore[attr-defined]
    return wrapper
