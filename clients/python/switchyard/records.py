"""What calls return: JSON objects as :class:`Record` (``r.score`` and ``r["score"]``) and lists as
:class:`Page` (a list that also carries the list's ``next_cursor``)."""

from __future__ import annotations

import json
import keyword
import reprlib
from typing import Any, Dict, Iterable, List, Optional, TypeVar

T = TypeVar("T")


class Record(Dict[str, Any]):
    """A JSON object from the API: a ``dict`` whose fields are also attributes.

    ``r.score`` and ``r["score"]`` are the same value; nested objects are Records too, in lists as
    well, so ``run.tasks[0].output`` works. It stays a plain ``dict`` for everything else: ``==``
    with dicts, ``json.dumps``, ``**r``, ``pickle`` and ``copy``.

    A field whose name is a ``dict`` method (``items``, ``keys``, ``values``, ``get``, ``copy``,
    ``update``, ``pop``, ...) is reached with ``r["items"]``: the attribute is the method.
    A missing field raises ``AttributeError`` (so ``getattr(r, "x", None)`` and ``hasattr`` work)
    that lists the fields there are.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails. Dunder names are Python asking about protocols
        # (copy, pickle, numpy...): answering them from the data would confuse it.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            fields = ", ".join(sorted(self)) or "none"
            raise AttributeError(f"this record has no field {name!r} (its fields: {fields})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> Iterable[str]:
        return sorted(set(super().__dir__()) | {k for k in self if isinstance(k, str) and k.isidentifier()})

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        if all(isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k) for k in self):
            return "Record(" + ", ".join(f"{k}={v!r}" for k, v in self.items()) + ")"
        return f"Record({dict.__repr__(self)})"


class Page(List[T]):
    """One page of a list: a ``list`` of its items, plus ``next_cursor`` (None on the last page).

    Iterate it, index it, ``len()`` it like any list; pass ``next_cursor`` as ``cursor=`` to get the
    next page, or use the resource's ``list_all`` / ``*_all`` method to walk every page.
    """

    __slots__ = ("next_cursor",)

    def __init__(self, items: Iterable[T] = (), next_cursor: Optional[str] = None) -> None:
        super().__init__(items)
        self.next_cursor = next_cursor

    @property
    def has_more(self) -> bool:
        """Whether another page follows."""
        return self.next_cursor is not None

    def __repr__(self) -> str:
        return f"Page({list.__repr__(self)}, next_cursor={self.next_cursor!r})"

    def __reduce__(self) -> Any:
        return (type(self), (list(self), self.next_cursor))


def parse_json(text: str) -> Any:
    """Parses JSON with every object as a :class:`Record`."""
    return json.loads(text, object_hook=Record)


def to_record(value: Any) -> Any:
    """Wraps every dict inside ``value`` (in lists too) as a :class:`Record`; other values unchanged."""
    if isinstance(value, dict):
        return Record((k, to_record(v)) for k, v in value.items())
    if isinstance(value, list):
        return [to_record(v) for v in value]
    return value

