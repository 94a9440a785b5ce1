"""The pager of list pages: offsets from page numbers, and at least one page even for an empty list."""

from __future__ import annotations

from app.platform.paging import offset, pager


def test_page_one_starts_at_the_first_row_and_each_page_after_it_one_size_later():
    assert [offset(page, 25) for page in (1, 2, 3)] == [0, 25, 50]


def test_the_pages_are_the_total_divided_by_the_size_rounded_up_and_never_fewer_than_one():
    assert pager(total=0, page=1, size=25) == {"total": 0, "page": 1, "pages": 1}
    assert pager(total=25, page=1, size=25)["pages"] == 1
    assert pager(total=26, page=2, size=25) == {"total": 26, "page": 2, "pages": 2}
