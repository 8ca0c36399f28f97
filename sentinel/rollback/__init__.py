"""Rollback triggers: canary-versus-baseline sequential tests, webhooks and gate endpoints."""

from sentinel.rollback.build import build_rollback
from sentinel.rollback.config import RollbackRules
from sentinel.rollback.decision import PAYLOAD_VERSION, Decision, GateStatus, payload
from sentinel.rollback.engine import RollbackEngine
from sentinel.rollback.gates import handle_gate
from sentinel.rollback.stats import Look, msprt

__all__ = [
    "PAYLOAD_VERSION",
    "Decision",
    "GateStatus",
    "Look",
    "RollbackEngine",
    "RollbackRules",
    "build_rollback",
    "handle_gate",
    "msprt",
    "payload",
]
