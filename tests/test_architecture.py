"""The house rules of the code, checked: data flows one way through the layers (docs/architecture.md),
no import cycles, no private names across modules, and every formula kind is known everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "xingxian_subsidy"

# The layers, lowest first: a module may import from its own layer or a lower one, never a higher.
# The web app is a front end over the library; the CLI's `serve` command starts it, so it sits below the CLI.
LAYERS = ["core", "pack", "engine", "audit", "selfservice", "render", "web", "cli"]
RANK = {name: i for i, name in enumerate(LAYERS)}
TOP = "xingxian_subsidy"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of the package's own modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith(TOP):
                continue
            names = [a.name for a in node.names]
            # "from . import audit" imports a module, not a name
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if submodules:
                out += [(m, [], node.lineno) for m in submodules]
                names = [n for n in names if f"{target}.{n}" not in MODULES]
            if names:
                out.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith(TOP)]
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_every_module_sits_in_a_layer():
    stray = [m for m in MODULES if m not in (TOP, f"{TOP}.__main__") and _layer(m) is None]
    assert stray == [], "every module belongs to a layer folder (docs/architecture.md)"


def test_data_flows_one_way_through_the_layers():
    wrong = []
    for name, path in MODULES.items():
        layer = _layer(name)
        if layer is None:
            continue
        for target, _, line in _imports(name, path):
            other = _layer(target)
            if other is None:
                if target == TOP:  # the version string
                    continue
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}, which is in no layer")
            elif RANK[other] > RANK[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {target} ({other}, a higher layer)")
    assert wrong == []


def test_no_import_cycles():
    graph = {name: {t for t, _, _ in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}
    # a package's __init__ importing its own modules is how a package exposes them, not a cycle
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(n: str) -> None:
        seen[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if seen.get(m) == 1:
                cycles.append(stack[stack.index(m):] + [m])
            elif m not in seen:
                visit(m)
        stack.pop()
        seen[n] = 2

    for n in sorted(graph):
        if n not in seen:
            visit(n)
    assert cycles == []


def test_no_private_name_is_imported_from_another_module():
    wrong = []
    for name, path in MODULES.items():
        for target, names, line in _imports(name, path):
            wrong += [f"{path.relative_to(ROOT)}:{line} imports {target}.{n}" for n in names
                      if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))]
    assert wrong == []


def test_the_architecture_checks_would_catch_a_violation(tmp_path):
    """The import reader sees relative imports, two levels up, and names taken."""
    fake = tmp_path / "m.py"
    fake.write_text("from ..audit.pipeline import audit\nfrom .formulas import _private\nfrom .. import cli\n", encoding="utf-8")
    got = _imports("xingxian_subsidy.engine.m", fake)
    assert ("xingxian_subsidy.audit.pipeline", ["audit"], 1) in got
    assert ("xingxian_subsidy.engine.formulas", ["_private"], 2) in got
    assert ("xingxian_subsidy.cli", [], 3) in got
    assert RANK[_layer("xingxian_subsidy.audit.pipeline")] > RANK[_layer("xingxian_subsidy.engine.m")]


# ------------------------------------------------------------------ one place per idea: formula kinds


def test_every_formula_kind_is_in_every_registry():
    from xingxian_subsidy.audit.compiler import COMPILE, FALLS_BACK
    from xingxian_subsidy.engine.formulas import EVALUATE
    from xingxian_subsidy.pack.formulas import FORMULA_KINDS
    from xingxian_subsidy.selfservice.screening import DESCRIBE

    kinds = set(FORMULA_KINDS)
    assert set(EVALUATE) == kinds, "the reference engine evaluates every kind"
    assert set(DESCRIBE) == kinds, "screening describes every kind"
    assert set(COMPILE) | set(FALLS_BACK) == kinds and not set(COMPILE) & set(FALLS_BACK), \
        "the vectorised path compiles every kind or lists it as falling back"
    for kind, model in FORMULA_KINDS.items():
        assert model.label.zh and model.label.en, kind
        assert model.__doc__, f"{kind} says what it is"


def test_rules_list_names_the_formula_of_every_rule(yr):
    """A kind unknown to the CLI once made `rules list` raise a KeyError: the CLI takes each
    kind's label from the kind itself."""
    from typer.testing import CliRunner

    from xingxian_subsidy.cli import app

    result = CliRunner().invoke(app, ["rules", "list", "--markdown"])
    assert result.exit_code == 0, result.output
    for rid, rule in yr.rules.items():
        row = next(line for line in result.output.splitlines() if f"`{rid}`" in line)
        assert row.rstrip(" |").endswith(rule.formula.label.zh), row
