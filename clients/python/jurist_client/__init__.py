"""Jurist's Python client and reward adapters (standard library only).

- `JuristClient`: pairwise, batch, reward and get_reward calls, with deadlines, retries on
  503/504 and on 429 with a Retry-After (honoured, bounded) and `JuristError` carrying
  Jurist's `error.code`.
- `JuristGRPOReward`: TRL GRPOTrainer `reward_funcs` entry.
- `JuristPairwiseReward`: TRL OnlineDPOTrainer `reward_funcs` entry, never None.
- `jurist_client.verl.compute_score`: verl custom reward function.
- `jurist_client/openrlhf_reward_func.py`: OpenRLHF `--remote_rm_url` file, a shim importing
  `jurist_client.openrlhf.reward_func` (importable, so Ray pickles it by reference).
"""

from .client import JuristClient, label_text, pairwise_item
from .errors import JuristError
from .grpo import JuristGRPOReward
from .images import image_refs, image_url
from .online_dpo import JuristPairwiseReward
from .transport import RetryPolicy

__all__ = [
    "JuristClient",
    "JuristError",
    "JuristGRPOReward",
    "JuristPairwiseReward",
    "RetryPolicy",
    "image_refs",
    "image_url",
    "label_text",
    "pairwise_item",
]
