"""jurist_client.verl called as verl calls a custom reward function.

Follows verl v0.7.0 (commit b178a3c): verl/trainer/ppo/reward.py `get_custom_reward_fn` loads
`custom_reward_function.path`/`.name` with `load_extern_object` and wraps it in
`_call_with_kwargs`, merging `custom_reward_function.reward_kwargs` into every call;
verl/experimental/reward_loop/reward_manager/naive.py calls
`compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)`, extra_info
being the row's `extra_info` plus `num_turns` and `rollout_reward_scores`, and reads a dict's
"score"; verl/workers/reward_manager/batch.py calls `compute_score(data_sources=...,
solution_strs=..., ground_truths=..., extra_infos=..., **reward_kwargs)`.
"""

from __future__ import annotations

import importlib.util
import os
import unittest
from functools import partial
from pathlib import Path
from typing import Any, Callable
from unittest import mock

from jurist_client import JuristError

from .support import RecordingProxy, live_url, png_bytes

VERL_FILE = str(Path(__file__).resolve().parents[1] / "jurist_client" / "verl.py")
VERL_PKG = "pkg://jurist_client.verl"


def load_extern_object(module_path: str, object_name: str) -> Callable[..., Any]:
    """verl/utils/import_utils.py `load_extern_object` → `load_module`: `pkg://a.b` is
    importlib.import_module("a.b"); a file path is loaded under the name
    `custom_module_<hash>`, outside any package."""
    if module_path.startswith("pkg://"):
        module = importlib.import_module(module_path[len("pkg://") :].replace("/", "."))
    else:
        spec = importlib.util.spec_from_file_location(f"custom_module_{hash(os.path.abspath(module_path))}", module_path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return getattr(module, object_name)


def call_with_kwargs(raw_fn: Callable[..., Any], extra_kwargs: dict, *args: Any, **kwargs: Any) -> Any:
    """verl/trainer/ppo/reward.py `_call_with_kwargs`: reward_kwargs win."""
    return raw_fn(*args, **{**kwargs, **extra_kwargs})


def row_extra_info(question: str, **more: Any) -> dict:
    # geo3k/gsm8k preprocessing's extra_info, plus what the naive reward manager adds
    return {"split": "train", "index": 0, "answer": "x", "question": question, "num_turns": None,
            "rollout_reward_scores": {}, **more}


class VerlTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = RecordingProxy(live_url()).__enter__()
        self.addCleanup(self.proxy.__exit__)
        self.reward_kwargs = {"jurist_url": self.proxy.url, "jurist_api_key": os.environ.get("JURIST_API_KEY")}

    def test_naive_reward_manager_call(self) -> None:
        compute_score = partial(call_with_kwargs, load_extern_object(VERL_FILE, "compute_score"), self.reward_kwargs)
        image = png_bytes(1, 2, 3)
        result = compute_score(
            data_source="hiyouga/geometry3k",
            solution_str="The angle is 30 degrees.",
            ground_truth=30,
            extra_info=row_extra_info("Find the angle x.", images=[image]),
        )
        self.assertEqual(set(result), {"score", "jurist_probability", "jurist_failed"})
        self.assertIsInstance(result["score"], float)
        self.assertEqual(result["jurist_failed"], 0.0)
        body = self.proxy.requests[0].body
        self.assertEqual(body["query"], ["Find the angle x.The angle is 30 degrees."])
        self.assertEqual(body["prompts"], ["Find the angle x."])
        self.assertEqual(body["labels"], ["30"])
        self.assertTrue(body["images"][0][0]["url"].startswith("data:image/png;base64,"))
        self.assertEqual(result["score"], float(self.proxy.requests[0].answer["rewards"][0]))

    def test_batch_reward_manager_call(self) -> None:
        compute_score = partial(call_with_kwargs, load_extern_object(VERL_PKG, "compute_score_batch"), self.reward_kwargs)
        results = compute_score(
            data_sources=["gsm8k", "gsm8k"],
            solution_strs=["It is 72.", "It is 70."],
            ground_truths=["72", "72"],
            extra_infos=[row_extra_info("How many clips?"), row_extra_info("How many clips?")],
        )
        self.assertEqual(len(results), 2)
        self.assertEqual(len(self.proxy.requests), 1, "one /get_reward call for the batch")
        self.assertNotIn("images", self.proxy.requests[0].body)

    def test_an_unscored_item_raises_unless_a_failed_reward_is_named(self) -> None:
        compute_score = load_extern_object(VERL_FILE, "compute_score")
        call = dict(data_source="d", solution_str="Four.", ground_truth="", extra_info=row_extra_info("2+2?"))
        with mock.patch.dict(os.environ, {"JURIST_FAILED_REWARD": ""}):
            with self.assertRaises(JuristError) as raised:
                compute_score(**call, **self.reward_kwargs)
        self.assertEqual(raised.exception.code, "UNSCORED")
        self.assertIn("JURIST_FAILED_REWARD", str(raised.exception))
        with mock.patch.dict(os.environ, {"JURIST_FAILED_REWARD": "-9.21"}):
            result = compute_score(**call, **self.reward_kwargs)
        self.assertEqual((result["score"], result["jurist_failed"]), (-9.21, 1.0))

    def test_items_the_gateway_stood_in_for_are_marked_failed(self) -> None:
        # The gateway's answer with JURIST_REWARD_ON_FAILURE=0 (docs/reward-and-rlhf.md,
        # src/http/reward-json.ts): the failed item carries 0 and 0.5, not null, and only
        # `failures` (and extra_logs.jurist_failed) say it was not judged.
        self.proxy.script(200, {
            "rewards": [0.8472978603872037, 0],
            "scores": [0.7, 0.5],
            "extra_logs": {"jurist_probability": [0.7, 0.5], "jurist_failed": [0, 1], "jurist_empty": [0, 0]},
            "failures": [{"index": 1, "reason": "no reference: labels[1] is empty"}],
            "checkpoint": "jurist-sim-judge",
            "simulated": True,
        })
        compute_score = load_extern_object(VERL_PKG, "compute_score_batch")
        with mock.patch.dict(os.environ, {"JURIST_FAILED_REWARD": ""}):
            results = compute_score(
                data_sources=["gsm8k"] * 2, solution_strs=["It is 72.", "It is 70."], ground_truths=["72", ""],
                extra_infos=[row_extra_info("How many clips?")] * 2, **self.reward_kwargs,
            )
        self.assertEqual([r["jurist_failed"] for r in results], [0.0, 1.0])
        self.assertEqual([r["score"] for r in results], [0.8472978603872037, 0.0])
        self.assertEqual([r["jurist_probability"] for r in results], [0.7, 0.5])

    def test_without_a_question_in_extra_info_it_says_where_to_put_it(self) -> None:
        compute_score = load_extern_object(VERL_FILE, "compute_score")
        with self.assertRaises(ValueError) as raised:
            compute_score(data_source="d", solution_str="s", ground_truth="g", extra_info={"index": 3}, **self.reward_kwargs)
        self.assertIn("extra_info['question']", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
