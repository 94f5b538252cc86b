"""The validated rule pack kept on disk (``pack.cache``): served only for the very files it was
made from, never when an entry was changed, and the same pack as a fresh load."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import ROOT, RULES_DIR

from xingxian_subsidy.core.errors import RuleDataError
from xingxian_subsidy.engine.applicant import read_applicant
from xingxian_subsidy.engine.compute import compute
from xingxian_subsidy.pack import cache, loader

CY = "xzbf12.s5.courtyard_tiered"


@pytest.fixture
def pack_dir(tmp_path, monkeypatch):
    """A copy of the bundled pack and a cache folder of this test's own."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    monkeypatch.setenv("XINGXIAN_CACHE_DIR", str(tmp_path / "cache"))
    loader._load_rules_cached.cache_clear()
    yield folder.resolve()
    loader._load_rules_cached.cache_clear()


def _load(folder):
    loader._load_rules_cached.cache_clear()  # as a new process would
    return loader.load_rules(folder)


def _no_fresh_load(monkeypatch):
    def refuse(directory):
        raise AssertionError("loaded afresh")
    monkeypatch.setattr(loader, "_load_fresh", refuse)


def _household_cap(pack) -> Decimal:
    yr = pack.for_year(pack.latest_year)
    return yr.param(yr.rules[CY], "household_cap").value


def _entry(folder):
    return cache._entry(cache.cache_dir(), folder)


def test_a_kept_pack_is_served_and_is_the_same_pack(pack_dir, monkeypatch):
    fresh = _load(pack_dir)
    assert _entry(pack_dir).exists()
    _no_fresh_load(monkeypatch)
    kept = _load(pack_dir)
    assert kept is not fresh and kept.label == fresh.label and kept.directory == pack_dir
    for year in fresh.years:
        a, b = fresh.for_year(year), kept.for_year(year)
        assert a.rules == b.rules and a.parameters == b.parameters and a.vocabulary == b.vocabulary
    # and it computes the same awards
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        app, yr = read_applicant(example, fresh)
        app2, yr2 = read_applicant(example, kept)
        assert compute(app, yr, fresh) == compute(app2, yr2, kept)


def test_an_edited_rule_file_is_loaded_afresh(pack_dir):
    assert _household_cap(_load(pack_dir)) == Decimal("700")
    path = pack_dir / "2024" / "xzbf-2024-12_courtyard-economy.yaml"
    text = path.read_text(encoding="utf-8")
    # the value and its quote together, so that the edited pack is valid
    path.write_text(text.replace('household_cap: {value: "700"', 'household_cap: {value: "800"').replace("每户奖补上限累计不超 700 元", "每户奖补上限累计不超 800 元"),
                    encoding="utf-8")
    src = pack_dir / "sources" / "xzbf-2024-12_courtyard-economy.txt"
    src.write_text(src.read_text(encoding="utf-8").replace("每户奖补上限累计不超 700 元", "每户奖补上限累计不超 800 元"), encoding="utf-8")
    assert _household_cap(_load(pack_dir)) == Decimal("800")


def test_a_kept_pack_never_hides_an_error_made_since(pack_dir):
    _load(pack_dir)
    path = pack_dir / "2024" / "xzbf-2024-12_courtyard-economy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('household_cap: {value: "700"', 'household_cap: {value: "900"'), encoding="utf-8")
    with pytest.raises(RuleDataError):  # the value no longer matches its quote
        _load(pack_dir)


def test_any_changed_file_of_the_pack_is_loaded_afresh(pack_dir, monkeypatch):
    _load(pack_dir)
    calls = []
    fresh = loader._load_fresh
    monkeypatch.setattr(loader, "_load_fresh", lambda d: calls.append(d) or fresh(d))
    _load(pack_dir)
    assert calls == []
    for path in (pack_dir / "sources" / "xzbf-2024-12_courtyard-economy.txt", pack_dir / "sources" / "README.md", pack_dir / "pack.yaml"):
        path.write_bytes(path.read_bytes() + b"\n")
        _load(pack_dir)
        assert calls[-1] == pack_dir
        n = len(calls)
        _load(pack_dir)  # and kept again
        assert len(calls) == n
    (pack_dir / "2024" / "extra.txt").write_text("a new file", encoding="utf-8")
    _load(pack_dir)
    assert len(calls) == 4


def test_a_changed_entry_is_never_served(pack_dir, monkeypatch):
    _load(pack_dir)
    entry = _entry(pack_dir)
    data = entry.read_bytes()
    # the household cap's value as the entry holds it, changed; the signature no longer holds
    assert data.count(b"700") >= 1
    entry.write_bytes(data.replace(b"700", b"900"))
    assert cache.load_cached(pack_dir, cache.fingerprint(pack_dir)) is None
    assert _household_cap(_load(pack_dir)) == Decimal("700")


def test_an_entry_signed_with_another_key_is_never_served(pack_dir):
    import hashlib
    import hmac

    _load(pack_dir)
    entry = _entry(pack_dir)
    data = entry.read_bytes()
    payload = data[len(cache._MAGIC) + 32:].replace(b"700", b"900")
    entry.write_bytes(cache._MAGIC + hmac.new(b"x" * 32, payload, hashlib.sha256).digest() + payload)
    assert cache.load_cached(pack_dir, cache.fingerprint(pack_dir)) is None
    assert _household_cap(_load(pack_dir)) == Decimal("700")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7))
def test_any_flipped_bit_of_an_entry_is_refused(pack_dir, where, bit):
    if not _entry(pack_dir).exists():
        _load(pack_dir)
    entry = _entry(pack_dir)
    data = bytearray(entry.read_bytes())
    at = int(where * len(data))
    data[at] ^= 1 << bit
    entry.write_bytes(bytes(data))
    try:
        assert cache.load_cached(pack_dir, cache.fingerprint(pack_dir)) is None
    finally:
        data[at] ^= 1 << bit
        entry.write_bytes(bytes(data))
    assert cache.load_cached(pack_dir, cache.fingerprint(pack_dir)) is not None


def test_an_entry_others_may_write_is_ignored(pack_dir):
    _load(pack_dir)
    entry = _entry(pack_dir)
    os.chmod(entry, 0o666)
    assert cache.load_cached(pack_dir, cache.fingerprint(pack_dir)) is None


def test_a_cache_that_cannot_be_written_only_costs_time(pack_dir, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    monkeypatch.setenv("XINGXIAN_CACHE_DIR", str(blocked / "cache"))
    assert _household_cap(_load(pack_dir)) == Decimal("700")
    monkeypatch.setenv("XINGXIAN_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    assert _household_cap(_load(pack_dir)) == Decimal("700")


def test_a_calc_in_a_fresh_process_uses_the_kept_pack(pack_dir, tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "XINGXIAN_RULES": str(pack_dir)}
    cmd = [sys.executable, "-m", "xingxian_subsidy", "calc", str(ROOT / "examples" / "courtyard_sanlei_household.yaml"), "--format", "json"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    assert _entry(pack_dir).exists()
    stamp = _entry(pack_dir).stat().st_mtime_ns
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    assert first == second and _entry(pack_dir).stat().st_mtime_ns == stamp  # served, not made again
