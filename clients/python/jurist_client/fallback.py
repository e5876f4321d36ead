"""What a sample Jurist could not score gets, for frameworks that cannot take a None.

OpenRLHF makes a tensor of the rewards and verl writes each score into a tensor, so a missing
score must become a number or stop the step. Jurist never makes one up: unless the user names
the number (`JURIST_FAILED_REWARD`, e.g. the minimum reward -9.21, or 0), the adapter raises
JuristError with the reasons, which names the setting.
"""

from __future__ import annotations

import math
import os
from typing import List, Optional, Sequence

from .answers import Failure
from .errors import JuristError

UNSCORED = "UNSCORED"


def failed_reward_setting(explicit: Optional[float] = None) -> Optional[float]:
    """`explicit` when given, else `JURIST_FAILED_REWARD` as a number, else None (raise)."""
    if explicit is not None:
        return float(explicit)
    raw = os.environ.get("JURIST_FAILED_REWARD", "").strip()
    if not raw:
        return None
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"JURIST_FAILED_REWARD must be a finite number, got {raw!r}")
    return value


def fill_failed(
    values: Sequence[Optional[float]], failures: Sequence[Failure], fallback: Optional[float]
) -> List[float]:
    """`values` with each None replaced by `fallback`; raises when there is a None and no fallback."""
    if fallback is None and any(value is None for value in values):
        reasons = "; ".join(f"item {f['index']}: {f['reason']}" for f in failures[:5]) or "no reason given"
        raise JuristError(
            UNSCORED,
            f"{sum(v is None for v in values)} of {len(values)} items were not scored ({reasons}); "
            "set JURIST_FAILED_REWARD to the reward they should get instead",
        )
    return [float(fallback if value is None else value) for value in values]  # type: ignore[arg-type]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
