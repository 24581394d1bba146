"""The reading order of a report page: each marker appears, after the one before it."""

from __future__ import annotations


def assert_in_order(page: str, *markers: str) -> None:
    """Every marker is in ``page``, each after the one before it (the reading order)."""
    where = []
    for m in markers:
        assert m in page, f"{m!r} is not in the page"
        where.append(page.index(m))
    assert where == sorted(where), f"out of order: {list(zip(markers, where, strict=True))}"
