"""Build a rollback engine from its rules: metrics, webhook and secrets resolved once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry

from sentinel.errors import ConfigError
from sentinel.health import Health
from sentinel.rollback.actions import Transport, WebhookNotifier, urllib_transport
from sentinel.rollback.config import RollbackRules
from sentinel.rollback.engine import RollbackEngine
from sentinel.rollback.metrics import recorder

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def build_rollback(
    rules: RollbackRules,
    registry: CollectorRegistry | None = None,
    *,
    health: Health | None = None,
    transport: Transport = urllib_transport,
    environ: Mapping[str, str] | None = None,
    logger: Any = None,
) -> RollbackEngine:
    """The engine, with a webhook notifier when rules name a URL and are not a dry run.

    Raises ConfigError when a header refers to an unset `${VAR}` (a webhook that would be
    refused for want of its token must stop the start, not fail at the rollback).
    """
    metrics = recorder(registry)
    webhook = rules.actions.webhook
    notifier = None
    if rules.enabled and webhook.url is not None and not rules.dry_run:
        env = os.environ if environ is None else environ
        headers = {key: _expand(key, text, env) for key, text in webhook.headers.items()}
        notifier = WebhookNotifier(
            webhook.url,
            headers,
            transport=transport,
            timeout_seconds=webhook.timeout_seconds,
            max_attempts=webhook.max_attempts,
            recorder=metrics,
            health=health,
            logger=logger,
        )
    return RollbackEngine(rules, recorder=metrics, notifier=notifier, logger=logger)


def _expand(header: str, text: str, environ: Mapping[str, str]) -> str:
    """Replace `${VAR}` with the environment's value (the alerting rules' convention)."""

    def lookup(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in environ:
            raise ConfigError(
                f"could not build the rollback webhook: actions.webhook.headers.{header}: "
                f"environment variable {variable} is not set"
            )
        return environ[variable]

    return _ENV_REF.sub(lookup, text)
