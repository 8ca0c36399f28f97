"""The content filter and its rules (`kind: content`)."""

from sentinel.filters.content.config import ContentRules
from sentinel.filters.content.filter import ContentFilter

__all__ = ["ContentFilter", "ContentRules"]
