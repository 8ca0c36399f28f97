"""One error root for sentinel; every subclass carries its context in the message.

Imports nothing of ours (style.md: errors sit at the bottom of the import graph).
"""

from __future__ import annotations


class SentinelError(Exception):
    """Root of every error sentinel raises on purpose."""


class RulesError(SentinelError):
    """A rules file or directory could not be loaded; the message names file and field path."""


class ConfigError(SentinelError):
    """A command-line or environment setting is invalid."""


class SourceError(SentinelError):
    """An input (file, Kafka) could not be opened or read."""


class SinkError(SentinelError):
    """An output did not accept what was sent; the commit that depends on it is aborted."""
