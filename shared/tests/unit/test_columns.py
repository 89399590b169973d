import pytest

from flipside_shared.columns import columns


def test_rows_become_columns_in_the_rows_order() -> None:
    assert columns([(1, "a"), (2, "b"), (3, "c")], 2) == [[1, 2, 3], ["a", "b", "c"]]


def test_no_rows_still_give_every_column() -> None:
    assert columns([], 3) == [[], [], []]


def test_rows_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(ValueError, match="rows of 2 values where the statement takes 3"):
        columns([(1, "a")], 3)


def test_rows_of_uneven_width_are_refused() -> None:
    with pytest.raises(ValueError):
        columns([(1, "a"), (2,)], 2)
