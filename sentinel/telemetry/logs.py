"""Structured logs: key=value (or JSON) events to stderr. Callers never pass user content."""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "info", json_format: bool = False) -> None:
    renderer = (
        structlog.processors.JSONRenderer()
        if json_format
        else structlog.processors.KeyValueRenderer(key_order=["event"], sort_keys=True)
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
