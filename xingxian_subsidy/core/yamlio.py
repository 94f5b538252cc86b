"""YAML and JSON loading that never makes a float and remembers line numbers.

YAML reads ``0.25`` as a float; here every float-looking scalar becomes a
Decimal built from its text, so ``12.5`` 亩 is exactly ``Decimal("12.5")``.
Each mapping key and sequence item remembers its 1-based line, so a
validation error can name ``file:line``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LoadFailure", "line_for", "load_with_lines"]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    pass


def _decimal_constructor(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    try:
        return Decimal(text)  # accepts 1_000; YAML's .nan / .inf are not Decimal syntax and stay text
    except ArithmeticError:
        return text


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # keep dates as ISO text: pydantic parses them where a date is expected
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal_constructor)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class LoadFailure(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


MAX_DEPTH = 64  # far deeper than any applicant or rule file; stops alias cycles and nesting bombs


def _build(node: yaml.Node, loader: _Loader, path: tuple, lines: dict[tuple, int], active: frozenset = frozenset()) -> Any:
    lines[path] = node.start_mark.line + 1
    if id(node) in active:
        raise LoadFailure("an alias refers to itself (a cycle)", node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise LoadFailure(f"nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise LoadFailure("a key must be a plain value", key_node.start_mark.line + 1)
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise LoadFailure(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            child = path + (key,)
            out[key] = _build(value_node, loader, child, lines, active)
            lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loader, path + (i,), lines, active) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def load_with_lines(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Read a YAML or JSON file into plain data (Decimals, never floats) and a path→line map.

    Raises:
        LoadFailure: unreadable file, bad encoding or a syntax error (with its line).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadFailure(f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise LoadFailure("not UTF-8 or GBK text") from None
    lines: dict[tuple, int] = {}
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise LoadFailure(f"JSON syntax error: {exc.msg}", exc.lineno) from None
        except RecursionError:
            raise LoadFailure(f"nested deeper than {MAX_DEPTH} levels") from None
        if _depth(data) > MAX_DEPTH:
            raise LoadFailure(f"nested deeper than {MAX_DEPTH} levels")
        return data, lines
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        return _build(node, loader, (), lines), lines
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise LoadFailure(f"YAML syntax error: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise LoadFailure(f"YAML error: {exc}") from None
    finally:
        loader.dispose()


def line_for(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest known ancestor of ``loc``."""
    loc = tuple(loc)
    while True:
        if loc in lines:
            return lines[loc]
        if not loc:
            return None
        loc = loc[:-1]
