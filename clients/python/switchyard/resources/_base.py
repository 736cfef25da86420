"""What every resource shares: the contract's list pages, and bodies without the unset fields."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from ..errors import SwitchyardError
from ..records import Page, Record
from ..transport import Transport

__all__ = ["Resource", "page_of", "paginate", "fields", "item_ids"]


class Resource:
    """A group of calls over one transport."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._t.base_url}>"


def page_of(answer: Any) -> "Page[Record]":
    """The contract's ``{"items": [...], "next_cursor": ...}`` as a :class:`Page`."""
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise SwitchyardError(200, "invalid_response", f"expected a list answer {{items, next_cursor}}, got {str(answer)[:200]}")
    return Page(answer["items"], answer.get("next_cursor"))


def paginate(fetch_page: Callable[[Optional[str]], "Page[Record]"]) -> Iterator[Record]:
    """Walks every page of a list, one request per page, yielding its items in order. ``fetch_page``
    gets the cursor to ask for (None for the first page)."""
    cursor: Optional[str] = None
    while True:
        page = fetch_page(cursor)
        yield from page
        if page.next_cursor is None:
            return
        # A server that hands back the cursor it was given would make this loop forever.
        if page.next_cursor == cursor:
            raise SwitchyardError(200, "invalid_response", f"the list returned the same cursor twice ({cursor}); stopping")
        cursor = page.next_cursor


def fields(**values: Any) -> Dict[str, Any]:
    """A request body of the given fields, leaving out those that are None (not sent means "default";
    the API refuses an explicit null where a field is optional)."""
    return {k: v for k, v in values.items() if v is not None}


def item_ids(items: Iterable[Union[str, Dict[str, Any]]]) -> List[str]:
    """Ids from ids or from the items themselves (anything with an ``item_id``)."""
    out: List[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("item_id"), str):
            out.append(item["item_id"])
        else:
            raise TypeError(f"expected an item id or an inbox item with an item_id, got {item!r:.100}")
    return out
