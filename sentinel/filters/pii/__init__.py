"""The pii filter and its rules (`kind: pii`).

The rules load without Presidio; the filter pulls in Presidio and spaCy, so it is imported
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentinel.filters.pii.config import PiiRules

if TYPE_CHECKING:
    from sentinel.filters.pii.filter import PiiFilter

__all__ = ["PiiFilter", "PiiRules"]


def __getattr__(name: str) -> Any:
    if name == "PiiFilter":
        from sentinel.filters.pii.filter import PiiFilter

        return PiiFilter
    raise AttributeError(name)
