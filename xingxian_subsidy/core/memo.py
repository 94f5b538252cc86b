"""What is worked out once per object and kept only while the object lives (the words of a year's
rules, the plans of its rules, its alternative readings): a YearRules made for one roster — the
rules narrowed to what it carries — is let go with it."""

from __future__ import annotations

import weakref
from typing import Any, Callable, TypeVar

__all__ = ["per_object"]

T = TypeVar("T")


def per_object(cache: dict[int, tuple[weakref.ref, Any]], obj: object, make: Callable[[], T]) -> T:
    """``make()``, once per live ``obj``: kept in ``cache`` under the object's id beside a weak
    reference to it — the cache never keeps it alive — and dropped when it is collected. What
    ``make`` returns must not hold ``obj`` itself (only a weak reference to it), or it never is."""
    hit = cache.get(id(obj))
    if hit is not None and hit[0]() is obj:
        return hit[1]
    value = make()
    cache[id(obj)] = (weakref.ref(obj), value)
    weakref.finalize(obj, cache.pop, id(obj), None).atexit = False
    return value
