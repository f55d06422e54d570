"""Query parameters, sorting and paging shared by the REST list routes.

Paging follows the swagger: ``pageNumber`` from 0, a fixed page size the caller
cannot change, and ``{"Results": []}`` past the end. Size-like parameters are
ignored, as reported for Panopto (API-NOTES section 2). Enum values are matched
without regard to case, as ASP.NET binds them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import BadRequest

T = TypeVar("T")

INT32_MAX = 2**31 - 1

SORT_ORDERS = ("Asc", "Desc")


@dataclass(frozen=True)
class ListQuery:
    sort_field: str
    descending: bool
    page_number: int


def parse_list_query(
    args: Mapping[str, str],
    sort_fields: Sequence[str],
    default_sort: str,
) -> ListQuery:
    """Read ``sortField``, ``sortOrder`` and ``pageNumber``.

    :raises BadRequest: for a value outside the swagger's enum or a bad page number.
    """
    sort_field = _enum_value(args, "sortField", sort_fields, default_sort)
    sort_order = _enum_value(args, "sortOrder", SORT_ORDERS, "Asc")
    return ListQuery(sort_field, sort_order == "Desc", _page_number(args))


def _enum_value(
    args: Mapping[str, str], name: str, allowed: Sequence[str], default: str
) -> str:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    for value in allowed:
        if value.lower() == raw.strip().lower():
            return value
    raise BadRequest(f"{name} must be one of: {', '.join(allowed)}.", source=name)


def _page_number(args: Mapping[str, str]) -> int:
    raw = args.get("pageNumber")
    if raw is None or raw == "":
        return 0
    try:
        number = int(raw)
    except ValueError as err:
        raise BadRequest("pageNumber must be a whole number.", "pageNumber") from err
    if not 0 <= number <= INT32_MAX:
        raise BadRequest("pageNumber starts at 0.", source="pageNumber")
    return number


def parse_bool(args: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered not in {"true", "false"}:
        raise BadRequest(f"{name} must be true or false.", source=name)
    return lowered == "true"


def require_search_query(args: Mapping[str, str]) -> str:
    """``searchQuery`` is required and must not be blank (API-NOTES section 2)."""
    query = args.get("searchQuery")
    if query is None or not query.strip():
        raise BadRequest("searchQuery is required and cannot be empty.", "searchQuery")
    return query


def parse_guid(value: str, source: str = "id") -> str:
    """A GUID in its canonical lower-case form.

    :raises BadRequest: when the value is not a GUID.
    """
    try:
        return str(uuid.UUID(value))
    except ValueError as err:
        raise BadRequest(f"{source} must be a GUID.", source=source) from err


def page(items: Sequence[T], page_number: int, page_size: int) -> list[T]:
    start = page_number * page_size
    return list(items[start : start + page_size])


def ordered(items: Sequence[T], key: Callable[[T], Any], descending: bool) -> list[T]:
    return sorted(items, key=key, reverse=descending)
