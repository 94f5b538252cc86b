"""Where the tests find the rule pack, the published texts and the caseworker cases.

By default: the bundled pack (``rules/``), the texts in ``../shared/policy`` and ``tests/cases``.
``XINGXIAN_RULES`` (the pack every command uses when none is named), ``XINGXIAN_SOURCES`` and
``XINGXIAN_CASES`` (more case folders, ``:``-separated) run the whole suite on another pack — CI
runs it on a pack of two years (``tools/two_year_pack.py``) to prove nothing assumes one year.
"""

from __future__ import annotations

import os
from pathlib import Path

from xingxian_subsidy.pack.loader import default_rules_dir

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = default_rules_dir()
SOURCES_DIR = Path(os.environ.get("XINGXIAN_SOURCES") or ROOT.parent / "shared" / "policy")
CASES_DIRS = [ROOT / "tests" / "cases"] + [Path(p) for p in os.environ.get("XINGXIAN_CASES", "").split(":") if p]
