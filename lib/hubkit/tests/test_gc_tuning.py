"""The collector settings every hub process takes before it serves."""
import gc

import pytest

from hubkit import gc_tuning


@pytest.fixture
def restored():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_settling_freezes_what_start_up_built_and_sets_rarer_collections(restored, monkeypatch):
    monkeypatch.delenv("HUB_GC_THRESHOLDS", raising=False)
    kept = [{"built": "at start-up"} for _ in range(1000)]
    gc_tuning.settle()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == gc_tuning.DEFAULT_THRESHOLDS == (20_000, 20, 20)
    cycle = {}
    cycle["self"] = cycle
    del cycle
    assert gc.collect() >= 1  # cycles are still found


def test_the_thresholds_come_from_the_environment(restored, monkeypatch):
    monkeypatch.setenv("HUB_GC_THRESHOLDS", "700,10,10")
    gc_tuning.settle()
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize("value", ["20000", "20000,20", "a,b,c", "0,10,10", "700,-1,10", "1.5,10,10",
                                   "700,10,10,10"])
def test_a_bad_setting_is_named_and_nothing_is_changed(restored, monkeypatch, value):
    monkeypatch.setenv("HUB_GC_THRESHOLDS", value)
    before = gc.get_threshold()
    with pytest.raises(ValueError, match="HUB_GC_THRESHOLDS"):
        gc_tuning.settle()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
