"""The largest modules and the longest functions of a package — the figures issue 9 tracks.

    python tools/sizes.py                      # this checkout's xingxian_subsidy/
    python tools/sizes.py /tmp/base/xingxian_subsidy --top 10
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", nargs="?", type=Path, default=ROOT / "xingxian_subsidy")
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    modules: list[tuple[int, str]] = []
    functions: list[tuple[int, str]] = []
    for path in sorted(args.package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(args.package.parent))
        modules.append((len(text.splitlines()), name))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{name}:{node.name}"))
    print(f"{len(modules)} modules, {sum(n for n, _ in modules):,} lines")
    print("largest modules:")
    for n, name in sorted(modules, reverse=True)[: args.top]:
        print(f"  {n:6,}  {name}")
    print("longest functions:")
    for n, name in sorted(functions, reverse=True)[: args.top]:
        print(f"  {n:6,}  {name}")


if __name__ == "__main__":
    main()
