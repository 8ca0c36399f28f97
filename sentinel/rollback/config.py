"""`kind: rollback` — which SLIs gate a canary, how surely, and whom to tell.

Off by default: a rules directory without a rollback file gates nothing, and its gate
endpoints say so instead of answering "healthy".
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sentinel.delivery.config import OptionalWebhook
from sentinel.rules.base import RulesFile, Strict
from sentinel.slo.config import SliRule


class Degradation(Strict):
    """How much worse the canary may be: bad_rate(canary) ≤ (1 + relative) · bad_rate(baseline)
    + absolute. Both zero: the canary may not be worse at all."""

    absolute: float = Field(default=0.0, ge=0, lt=1, description="Bad-rate points, 0.01 = 1 %.")
    relative: float = Field(default=0.0, ge=0, le=100, description="0.25 = 25 % worse.")


class Gate(Strict):
    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,62}$",
        description="Gate name; the `sli` label of decisions and metrics.",
    )
    sli: SliRule
    min_samples_per_variant: int = Field(
        default=500,
        ge=20,
        description="Counted exchanges each variant needs before the test may decide.",
    )
    max_degradation: Degradation = Degradation()
    mixture_sd: float = Field(
        default=0.02,
        gt=0,
        le=1,
        description="The bad-rate increase (absolute) the test finds fastest: the standard "
        "deviation of the mSPRT's normal mixing distribution. Other sizes are still found.",
    )


class SloBurn(Strict):
    enabled: bool = Field(
        default=False, description="Also roll back when an SLO pages for the canary variant."
    )
    slos: list[str] = Field(
        default_factory=list, description="SLO names that may trigger; empty means any."
    )


class Actions(Strict):
    webhook: OptionalWebhook = Field(
        default_factory=OptionalWebhook, description="POSTed each decision; no url = off."
    )


class Scope(Strict):
    """Only exchanges whose (bounded) labels are in these lists count; none = all."""

    service: list[str] | None = None
    endpoint: list[str] | None = None
    feature: list[str] | None = None


class RollbackRules(RulesFile):
    kind: Literal["rollback"]
    enabled: bool = False
    baseline_variant: str = "baseline"
    canary_variant: str = "canary"
    gates: list[Gate] = Field(default_factory=list)
    alpha: float = Field(
        default=0.01,
        gt=0,
        le=0.2,
        description="Chance of a needless rollback per rollout, over all gates together "
        "(split evenly across gates) and however often they are evaluated.",
    )
    test: Literal["msprt"] = Field(
        default="msprt",
        description="Sequential test: mixture SPRT, always valid under repeated looks.",
    )
    evaluate_every_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="Event time between two evaluations."
    )
    cooldown_seconds: float = Field(
        default=600.0,
        ge=0,
        description="After a decision, the same gate does not decide again for this long.",
    )
    reset_after_idle_seconds: float | None = Field(
        default=900.0,
        gt=0,
        description="No canary exchange for this long ends the rollout: counts reset and the "
        "gate opens for the next one. Null: only an explicit reset.",
    )
    slo_burn: SloBurn = SloBurn()
    actions: Actions = Actions()
    dry_run: bool = Field(default=False, description="Record and log decisions; call no webhook.")
    scope: Scope = Scope()

    @model_validator(mode="after")
    def _consistent(self) -> RollbackRules:
        if self.baseline_variant == self.canary_variant:
            raise ValueError(
                f"canary_variant: must differ from baseline_variant `{self.baseline_variant}`"
            )
        names = [g.name for g in self.gates]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ValueError(f"gates[{index}].name: `{name}` is defined twice")
        if self.enabled and not self.gates and not self.slo_burn.enabled:
            raise ValueError("enabled: no gates and slo_burn is off, so nothing would gate")
        return self
