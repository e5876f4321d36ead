"""The file to give OpenRLHF: `--remote_rm_url /path/to/clients/python/jurist_client/openrlhf_reward_func.py`
(0.10.2+: `--reward.remote_url`).

Only a shim: OpenRLHF v0.9.0 hands this file's `reward_func` to `ray.remote`, and cloudpickle
pickles a function of a file loaded outside sys.modules by value, with its module globals (a
lock there fails the run). Imported from `jurist_client.openrlhf`, the function is pickled by
reference instead, so a Ray worker imports it: there the package must be installed (`pip
install ./clients/python`) or on PYTHONPATH. Everything is documented in jurist_client/openrlhf.py
and docs/python-client.md. Keep this file free of state.
"""

import sys
from pathlib import Path

try:
    from jurist_client.openrlhf import reward_func, reset
except ImportError:  # run from a checkout, not installed: this file's folder is the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from jurist_client.openrlhf import reward_func, reset

__all__ = ["reward_func", "reset"]
