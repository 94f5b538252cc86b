from __future__ import annotations

from pathlib import Path

import pytest

from xingxian_subsidy.pack.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT.parent / "shared" / "policy"


@pytest.fixture(scope="session")
def pack():
    return load_rules(ROOT / "rules")


@pytest.fixture(scope="session")
def yr(pack):
    return pack.for_year(2024)
