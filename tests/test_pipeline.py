"""The audit pipeline's own promises: it refuses an engine it does not know, and it leaves no
thread behind when a stage fails."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from xingxian_subsidy.audit import pipeline
from xingxian_subsidy.core.errors import InputError

ROSTER = Path(__file__).resolve().parent.parent / "examples" / "roster_蔡家崖乡_2024.csv"


def test_an_unknown_engine_is_refused_not_run_as_the_reference(pack):
    with pytest.raises(InputError) as err:
        pipeline.audit(ROSTER, pack, engine="typo")
    assert "typo" in err.value.text("zh") and "vector" in err.value.text("en")


def test_a_failing_stage_leaves_no_thread_behind(pack, monkeypatch):
    before = threading.active_count()

    def broken(*args, **kwargs):
        raise RuntimeError("a stage failed")

    monkeypatch.setattr(pipeline, "summary_parts", broken)  # the summaries, made while the side threads run
    with pytest.raises(RuntimeError):
        pipeline.audit(ROSTER, pack)
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before


def test_the_default_year_is_the_packs_latest(pack):
    report = pipeline.audit(ROSTER, pack)
    assert report.stamp["year"] == pack.latest_year


def test_rules_made_for_one_roster_are_let_go_with_it():
    """The words, plans and alternative readings worked out for a YearRules are kept only while it
    lives: the rules an audit narrows to one roster (``scope.apply``) are not kept for ever by them
    (``columns.header_words`` once held each one, found in review)."""
    import dataclasses
    import gc
    import weakref

    from xingxian_subsidy.audit.columns import header_words
    from xingxian_subsidy.engine.plans import year_plan
    from xingxian_subsidy.pack.loader import alternative_years, load_rules

    yr = dataclasses.replace(load_rules().for_year(2024))  # a YearRules of its own, as scope.apply makes one
    header_words(yr), year_plan(yr), alternative_years(yr)
    gone = weakref.ref(yr)
    del yr
    gc.collect()
    assert gone() is None
