"""Rows turned into the column arrays a set-based statement takes: one array parameter per column, unnested by
Postgres back into rows, so a batch of any size is written by one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """The `width` columns of `rows`, each a list in the rows' order; `width` empty lists for no rows, so the statement
    still gets each of its parameters."""
    if not rows:
        return [[] for _ in range(width)]
    split = [list(column) for column in zip(*rows, strict=True)]
    if len(split) != width:
        raise ValueError(f"rows of {len(split)} values where the statement takes {width}")
    return split
