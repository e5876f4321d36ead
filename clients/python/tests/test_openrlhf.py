"""jurist_client/openrlhf_reward_func.py loaded and called as OpenRLHF loads and calls a
`--remote_rm_url` Python file.

Follows OpenRLHF v0.9.0 (commit 06ab51e) openrlhf/utils/remote_rm_utils.py and v0.9.1 (commit
ac18582) to v0.11.0 (commit 3c3be62) openrlhf/utils/agent.py: `spec_from_file_location(
"reward_func", path)` (the module is not put in sys.modules), then `reward_func(queries,
prompts, labels)` positionally: v0.9.0 with slices of micro_rollout_batch_size items through
`ray.remote(reward_module.reward_func)`, so Ray's cloudpickle must pickle the function;
v0.9.1–v0.11.0 with one item per call (SingleTurnAgentExecutor._fetch_rewards_via_func,
batch_size = 1) from `asyncio.to_thread`. Queries are `tokenizer.decode(prompt_ids + response_ids,
skip_special_tokens=False)`: a Qwen2.5-VL prompt's one `<|image_pad|>` is one per patch there.
Labels are the `--label_key` column as loaded (numbers stay numbers), "" without one.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import pickle
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from types import ModuleType
from typing import Any, Dict
from unittest import mock

from jurist_client import JuristError
from jurist_client.images import data_uri

from .support import RecordingProxy, live_url, png_bytes

PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])

REWARD_FILE = str(Path(__file__).resolve().parents[1] / "jurist_client" / "openrlhf_reward_func.py")

SYSTEM = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"


def qwen_vl_prompt(question: str) -> str:
    """Qwen2.5-VL's chat template with one image, add_generation_prompt=True."""
    return f"{SYSTEM}<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n"


def decoded_query(prompt: str, response: str, patches: int = 64) -> str:
    """What OpenRLHF decodes from the processor's ids: the placeholder expanded per patch."""
    return prompt.replace("<|image_pad|>", "<|image_pad|>" * patches) + response + "<|im_end|>"


def load_like_openrlhf() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reward_func", REWARD_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OpenRlhfTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = RecordingProxy(live_url()).__enter__()
        self.addCleanup(self.proxy.__exit__)
        self.folder = tempfile.mkdtemp(prefix="jurist-openrlhf-")
        self.env: Dict[str, str] = {"JURIST_URL": self.proxy.url, "JURIST_IMAGE_MAP": "", "JURIST_FAILED_REWARD": ""}

    def call(self, *args: Any, env: Dict[str, str] = {}) -> Dict[str, Any]:
        module = load_like_openrlhf()
        with mock.patch.dict(os.environ, {**self.env, **env}):
            module.reset()
            return module.reward_func(*args)

    def test_a_whole_batch_as_v0_9_sends_it(self) -> None:
        prompts = ["<|im_start|>user\nWhat is 1+2?<|im_end|>\n<|im_start|>assistant\n"] * 3
        queries = [p + r + "<|im_end|>" for p, r in zip(prompts, ["3", "It is 3.", "4"])]
        result = self.call(queries, prompts, [3, "3", 3.0])
        self.assertEqual(set(result), {"rewards", "scores", "extra_logs"})
        self.assertEqual(len(result["rewards"]), 3)
        self.assertTrue(all(isinstance(v, float) for v in result["rewards"] + result["scores"]))
        self.assertEqual(result["extra_logs"], {"jurist_failed": [0.0, 0.0, 0.0]})
        self.assertEqual(self.proxy.requests[0].body["labels"], ["3", "3", "3"])
        self.assertEqual(result["rewards"], [float(r) for r in self.proxy.requests[0].answer["rewards"]])

    def test_a_rollout_of_1500_items_in_one_call_is_sent_in_slices(self) -> None:
        # A whole rollout handed over at once goes out in slices of JURIST_BATCH_ITEMS: each
        # request's deadline then covers 256 items, not the rollout (docs/reward-and-rlhf.md).
        prompts = [f"Question {i}: what is {i} + 1? " for i in range(1500)]
        result = self.call([p + str(i + 1) for i, p in enumerate(prompts)], prompts, [i + 1 for i in range(1500)])
        self.assertEqual([len(r.body["query"]) for r in self.proxy.requests], [256] * 5 + [220])
        self.assertEqual(len(result["rewards"]), 1500)
        self.assertEqual(sum(result["extra_logs"]["jurist_failed"]), 0.0)
        answered = sum((r.answer["rewards"] for r in self.proxy.requests), [])
        self.assertEqual(result["rewards"], [float(r) for r in answered])  # in order, slice after slice

    def test_vision_queries_with_expanded_placeholders_get_their_own_images(self) -> None:
        cat, dog = png_bytes(10, 20, 30), png_bytes(200, 100, 50)
        Path(self.folder, "cat.png").write_bytes(cat)
        Path(self.folder, "dog.png").write_bytes(dog)
        # Built from the dataset's question and image columns, paths relative to the map.
        image_map = Path(self.folder, "prompt-images.json")
        image_map.write_text(json.dumps({"What animal is this?": ["cat.png"], "What animal is this one?": ["dog.png"]}))
        prompts = [qwen_vl_prompt("What animal is this?"), qwen_vl_prompt("What animal is this one?")]
        queries = [decoded_query(prompts[0], "A cat."), decoded_query(prompts[1], "A dog.")]
        module = load_like_openrlhf()

        async def one_item_per_call() -> list:  # v0.11's SingleTurnAgentExecutor
            return await asyncio.gather(*(asyncio.to_thread(module.reward_func, [q], [p], ["a label"]) for q, p in zip(queries, prompts)))

        with mock.patch.dict(os.environ, {**self.env, "JURIST_IMAGE_MAP": str(image_map)}):
            module.reset()
            results = asyncio.run(one_item_per_call())
        self.assertEqual([len(r["rewards"]) for r in results], [1, 1])
        self.assertEqual([r["extra_logs"]["jurist_failed"] for r in results], [[0.0], [0.0]])
        sent = {r.body["prompts"][0]: r.body for r in self.proxy.requests}
        for prompt, image, response in ((prompts[0], cat, "A cat."), (prompts[1], dog, "A dog.")):
            self.assertEqual(sent[prompt]["images"], [[{"url": data_uri(image)}]])
            # Sent as decoded: the gateway collapses the expanded placeholders and strips the markup.
            self.assertEqual(sent[prompt]["query"], [decoded_query(prompt, response)])

    def test_an_unscored_item_raises_or_gets_the_named_reward(self) -> None:
        prompt = "Q: what is 2+2?\nA: "
        with self.assertRaises(JuristError) as raised:
            self.call([prompt + "4"], [prompt], [""])  # no --label_key: every label is ""
        self.assertEqual(raised.exception.code, "UNSCORED")
        result = self.call([prompt + "4"], [prompt], [""], env={"JURIST_FAILED_REWARD": "-9.21"})
        self.assertEqual(result["rewards"], [-9.21])
        self.assertEqual(result["extra_logs"], {"jurist_failed": [1.0]})
        self.assertLess(result["scores"][0], 0.001)

    def test_items_the_gateway_stood_in_for_are_logged_as_failed(self) -> None:
        # The gateway's answer with JURIST_REWARD_ON_FAILURE=-9.21 (docs/reward-and-rlhf.md,
        # src/http/reward-json.ts): the failed item has a number in rewards and scores, no
        # failure_reasons, jurist_failed 1, and its reason in `failures`.
        self.proxy.script(200, {
            "rewards": [-0.12136085700426735, -9.21],
            "scores": [0.4696969696969697, 0.00010005],
            "extra_logs": {"jurist_probability": [0.4696969696969697, 0.00010005], "jurist_failed": [0, 1], "jurist_empty": [0, 0]},
            "failures": [{"index": 1, "reason": "no reference: labels[1] is empty"}],
            "checkpoint": "jurist-sim-judge",
            "simulated": True,
        })
        prompts = ["<|im_start|>user\nHow many cats?<|im_end|>\n<|im_start|>assistant\n"] * 2
        result = self.call([p + "Two.<|im_end|>" for p in prompts], prompts, ["Two cats.", ""])
        self.assertEqual(result["rewards"], [-0.12136085700426735, -9.21])
        self.assertEqual(result["extra_logs"], {"jurist_failed": [0.0, 1.0]})

    def test_a_prompt_missing_from_the_image_map_is_named(self) -> None:
        image_map = Path(self.folder, "empty.json")
        image_map.write_text("{}")
        with self.assertRaises(LookupError):
            self.call(["Q? A."], ["Q? "], ["A."], env={"JURIST_IMAGE_MAP": str(image_map)})

    def test_the_file_works_from_a_checkout_without_installing(self) -> None:
        script = (
            "import importlib.util, json, sys\n"
            f"spec = importlib.util.spec_from_file_location('reward_func', {REWARD_FILE!r})\n"
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
            "print(json.dumps(m.reward_func(['Q? A.'], ['Q? '], ['A.'])))\n"
        )
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(self.env)
        done = subprocess.run([sys.executable, "-c", script], cwd=self.folder, env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(len(json.loads(done.stdout)["rewards"]), 1)


class RayPicklingTests(unittest.TestCase):
    """OpenRLHF v0.9.0 does `ray.remote(reward_module.reward_func)` on the file loaded outside
    sys.modules; Ray pickles the function with cloudpickle, which pickles such a module's
    function by value, globals and all (a module-level lock failed with `TypeError: cannot
    pickle '_thread.lock' object`). The file's function must come from an importable module."""

    def test_the_loaded_function_is_the_importable_modules_and_pickles_by_reference(self) -> None:
        function = load_like_openrlhf().reward_func
        self.assertEqual(function.__module__, "jurist_client.openrlhf")
        self.assertIs(pickle.loads(pickle.dumps(function)), function)

    def test_ray_can_ship_it_to_a_fresh_worker(self) -> None:
        try:
            import cloudpickle  # Ray's pickler; not installed where this runs in CI
        except ImportError:
            self.skipTest("cloudpickle is not installed: Ray's pickling of reward_func is not reproduced here")
        payload = cloudpickle.dumps(load_like_openrlhf().reward_func)
        with RecordingProxy(live_url()) as proxy:
            # A Ray worker: a new interpreter where the package is importable (installed on
            # every node, here PYTHONPATH), unpickling the task's function and calling it.
            worker = (
                "import json, pickle, sys\n"
                "reward_func = pickle.loads(sys.stdin.buffer.read())\n"
                "print(json.dumps(reward_func(['Q? A.'], ['Q? '], ['A.'])))\n"
            )
            env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT, "JURIST_URL": proxy.url, "JURIST_IMAGE_MAP": ""}
            done = subprocess.run(
                [sys.executable, "-c", worker], input=payload, cwd=tempfile.gettempdir(), env=env,
                capture_output=True, timeout=60,
            )
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        result = json.loads(done.stdout)
        self.assertEqual(result["extra_logs"], {"jurist_failed": [0.0]})
        self.assertEqual(proxy.paths(), ["/get_reward"])


if __name__ == "__main__":
    unittest.main()
