import gc

import pytest

from flipside_shared.collector import FULL_COLLECTION_AFTER, set_for_batches


@pytest.fixture
def restored_collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_lives_at_start_is_left_out_of_collections_and_full_ones_are_held_back(restored_collector):
    young, middle, _ = gc.get_threshold()
    set_for_batches()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (young, middle, FULL_COLLECTION_AFTER)
