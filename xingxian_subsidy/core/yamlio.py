"""YAML and JSON loading that never makes a float and remembers line numbers.

A number is read the way a roster cell is (``inputforms.number_text``), never by YAML 1.1's own
rules: ``02300`` is 2300 (not octal 1216), ``0x10``, ``0b11``, ``38:20`` and ``1_000`` are not
numbers (they stay text, and a number input then refuses them with a message), ``12.5`` 亩 is
exactly ``Decimal("12.5")`` and no scalar becomes a float. Only ``true``/``false`` are yes/no
(not ``on``, ``off``, ``y``, ``n``), and there are no merge keys (``<<``) and no implicit dates.
Non-finite numbers (``!!float nan``, ``.inf``), numbers of over
:data:`~.inputforms.MAX_NUMBER_CHARS` characters, lone surrogates (``"\\ud800"``), duplicate keys
(JSON too) and aliases that expand past :data:`MAX_NODES` nodes are refused with the line.
Each mapping key and sequence item remembers its 1-based line, so a validation error can name
``file:line``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .inputforms import MAX_NUMBER_CHARS, has_lone_surrogate, number_text

__all__ = ["MAX_NODES", "LoadFailure", "line_for", "load_with_lines", "loads_json", "read_number", "read_regular_file"]

MAX_DEPTH = 64  # far deeper than any applicant or rule file; stops alias cycles and nesting bombs
# Nodes built, counting each use of an alias: the whole rule pack is a few thousand per file; a
# "billion laughs" of 342 bytes asks for 10^9.
MAX_NODES = 500_000
_NUMBER_TAG = "tag:xingxian,2024:number"


class LoadFailure(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2's core schema, narrowed: null, true/false, and anything that starts like a number
    goes to the number reader; everything else is text."""


_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# anything written like a decimal number (with YAML 1.1's underscores and Excel's commas, which the
# number reader then judges); 0x10, 0o17, 0b11 and 38:20 are not and stay text
_Resolver.add_implicit_resolver(_NUMBER_TAG, re.compile(r"^[-+]?(?:[0-9][0-9_,]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$"),
                                list("-+.0123456789"))


if getattr(yaml, "__with_libyaml__", False):  # libyaml's parser when available
    from yaml.cyaml import CParser

    class _Loader(CParser, yaml.constructor.SafeConstructor, _Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML without libyaml

    class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,  # type: ignore[no-redef]
                  yaml.constructor.SafeConstructor, _Resolver):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)


def read_number(text: str) -> int | Decimal | str:
    """A scalar that starts like a number, read as a roster cell is: an int or a Decimal, or the
    text itself when it is not a number in the accepted forms (a number input then says so)."""
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of over {MAX_NUMBER_CHARS} characters")
    plain = number_text(text, None)
    if plain is None:
        return text
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return int(value) if re.fullmatch(r"[-+]?[0-9]+", plain) else value


def _number_constructor(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return read_number(str(loader.construct_scalar(node)))
    except ValueError as exc:
        raise LoadFailure(str(exc), node.start_mark.line + 1) from None


def _float_constructor(loader: Any, node: yaml.ScalarNode) -> Any:
    # only an explicit !!float tag comes here
    text = str(loader.construct_scalar(node))
    value = _number_constructor(loader, node)
    if not isinstance(value, (int, Decimal)):
        raise LoadFailure(f"not a finite number: {text[:20]!r}", node.start_mark.line + 1)
    return value


def _int_constructor(loader: Any, node: yaml.ScalarNode) -> Any:
    value = _float_constructor(loader, node)
    if not isinstance(value, int):
        raise LoadFailure("not a whole number", node.start_mark.line + 1)
    return value


def _text_constructor(loader: Any, node: yaml.ScalarNode) -> Any:
    return loader.construct_scalar(node)


_Loader.add_constructor(_NUMBER_TAG, _number_constructor)
_Loader.add_constructor("tag:yaml.org,2002:float", _float_constructor)
_Loader.add_constructor("tag:yaml.org,2002:int", _int_constructor)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _text_constructor)


def _refused_tag(loader: Any, node: yaml.Node) -> Any:
    raise LoadFailure(f"the tag {node.tag.rsplit(':', 1)[-1]!r} is not accepted here", node.start_mark.line + 1)


for _tag in ("binary", "set", "omap", "pairs", "merge", "value"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refused_tag)


def _build(node: yaml.Node, loader: _Loader, path: tuple, lines: dict[tuple, int], active: frozenset = frozenset(),
           budget: list[int] | None = None) -> Any:
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise LoadFailure(f"more than {MAX_NODES} values once aliases are expanded (an alias bomb?)", node.start_mark.line + 1)
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
            out[key] = _build(value_node, loader, child, lines, active, budget)
            lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loader, path + (i,), lines, active, budget) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str) and has_lone_surrogate(value):
        raise LoadFailure("a lone surrogate (\\ud800–\\udfff) is not a character", node.start_mark.line + 1)
    return value


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise LoadFailure(f"duplicate key {k[:40]!r}")
        out[k] = v
    return out


def _json_constant(name: str) -> Any:
    raise LoadFailure(f"not a finite number: {name}")


def _json_number(text: str) -> Any:
    return read_number(text)


def _json_strings(value: Any) -> None:
    if isinstance(value, str):
        if has_lone_surrogate(value):
            raise LoadFailure("a lone surrogate (\\ud800–\\udfff) is not a character")
    elif isinstance(value, dict):
        for k, v in value.items():
            _json_strings(k)
            _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            _json_strings(v)


def loads_json(text: str) -> Any:
    """JSON text as plain data, read as a YAML file is: numbers by the number reader (Decimal or
    int, never float), and duplicate keys, NaN/Infinity, over-long numbers, lone surrogates and
    nesting deeper than :data:`MAX_DEPTH` refused.

    Raises:
        LoadFailure: with the line for a syntax error.
    """
    try:
        data = json.loads(text, parse_float=_json_number, parse_int=_json_number, parse_constant=_json_constant, object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as exc:
        raise LoadFailure(f"JSON syntax error: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise LoadFailure(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an over-long number
        raise LoadFailure(str(exc)) from None
    if _depth(data) > MAX_DEPTH:
        raise LoadFailure(f"nested deeper than {MAX_DEPTH} levels")
    _json_strings(data)
    return data


def read_regular_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them.

    A FIFO, a device (``/dev/zero``), a directory or a socket is refused before it is read (it
    could block or never end), and the cap holds whatever the file system says the size is.

    Raises:
        LoadFailure: not a regular file, unreadable, or larger than ``max_bytes``.
    """
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise LoadFailure(f"cannot read file: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise LoadFailure(f"not a regular file: {kind}")
    with os.fdopen(fd, "rb") as fh:
        try:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        except OSError as exc:
            raise LoadFailure(f"cannot read file: {exc.strerror or exc}") from None
    if max_bytes is not None and len(raw) > max_bytes:
        raise LoadFailure(f"file too large (over {max_bytes // 1_000_000} MB)")
    return raw


def load_with_lines(path: Path, max_bytes: int | None = None) -> tuple[Any, dict[tuple, int]]:
    """Read a YAML or JSON file into plain data (Decimals, never floats) and a path→line map.

    Raises:
        LoadFailure: not a regular file, larger than ``max_bytes``, unreadable, bad encoding, a
            syntax error (with its line), or a refused value (see the module's docstring).
    """
    raw = read_regular_file(path, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise LoadFailure("not UTF-8 or GBK text") from None
    lines: dict[tuple, int] = {}
    if path.suffix.lower() == ".json":
        return loads_json(text), lines
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, lines
        return _build(node, loader, (), lines), lines
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise LoadFailure(f"YAML syntax error: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise LoadFailure(f"YAML error: {str(exc)[:200]}") from None
    except RecursionError:
        raise LoadFailure(f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        if loader is not None:
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
