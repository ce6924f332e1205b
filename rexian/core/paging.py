"""Pages of a list read in the database: one slice of `page_size + 1` rows tells whether another page follows,
with no COUNT over the whole list."""

from __future__ import annotations

from django.db.models import QuerySet

MAX_PAGE = 10_000  # deeper than anyone pages by hand; keeps OFFSET within what every database binds
MAX_PAGE_SIZE = 200


def page_rows(queryset: QuerySet, page: int, page_size: int) -> tuple[list, int, bool]:
    """The rows of `page` (clamped to 1…MAX_PAGE; `page_size` to 1…MAX_PAGE_SIZE), that page, and whether one
    follows."""
    page = min(max(page, 1), MAX_PAGE)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    return rows[:page_size], page, len(rows) > page_size
