"""The cycle collector's pause around the read stage (processor.system.collector)."""

from __future__ import annotations

import gc
import weakref

import pytest

from processor.system.collector import collector_paused


class _Record:
    pass


@pytest.fixture
def collector_state():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after(collector_state, enabled):
    if enabled:
        gc.enable()
    else:
        gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(KeyError), collector_paused(freeze=True):
        raise KeyError("a failure inside the block")
    assert gc.isenabled() is enabled


def test_what_the_block_built_is_frozen_and_still_freed_when_dropped(collector_state):
    gc.unfreeze()
    with collector_paused(freeze=True):
        kept = [_Record() for _ in range(1000)]
    frozen = gc.get_freeze_count()
    assert frozen >= 1000
    gone = weakref.ref(kept[0])
    del kept
    assert gone() is None  # reference counting, no collection
    assert gc.get_freeze_count() <= frozen - 1000


def test_without_freeze_nothing_is_frozen(collector_state):
    gc.unfreeze()
    with collector_paused():
        kept = [_Record() for _ in range(1000)]
    assert gc.get_freeze_count() == 0
    assert kept
