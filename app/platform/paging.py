"""Paged lists on pages: which rows a page number asks for, and what the pager under a list shows.

Must not touch: what is listed or how it is filtered: callers run their own query with the offset given here."""

from __future__ import annotations


def offset(page: int, size: int) -> int:
    """The first row of page ``page`` (from 1) of ``size`` rows."""
    return (page - 1) * size


def pager(*, total: int, page: int, size: int) -> dict[str, int]:
    """The pager's part of a list page's context: the total of rows, this page and the number of pages (at least 1)."""
    return {"total": total, "page": page, "pages": max(1, -(-total // size))}
