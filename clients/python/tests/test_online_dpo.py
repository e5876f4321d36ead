"""JuristPairwiseReward called as TRL's OnlineDPOTrainer calls a reward function.

Follows trl/experimental/online_dpo/online_dpo_trainer.py at TRL v1.9.0 (commit 35def3e):
`training_step` samples two completions per prompt, then `_calculate_rewards_from_functions(
prompts=2 * prompts, completions=completions, completion_ids_list=...)` calls
`reward_func(prompts=..., completions=..., completion_ids=..., **reward_kwargs)` with
`reward_kwargs[key] = inputs[key] * 2`; a vision batch's user content was rewritten to
`[{"type": "image"}, {"type": "text", ...}]` (placeholders only) and its images are the
`image` column. None becomes NaN and `nansum` turns it into 0 (so it must never be None);
`first_half >= second_half` picks the chosen completion, so a tie chooses the FIRST.
"""

from __future__ import annotations

import unittest
from typing import Any, Dict, List

from jurist_client import JuristClient, JuristPairwiseReward
from jurist_client.images import data_uri

from .support import FakePilImage, RecordingProxy, live_url, png_bytes


def online_dpo_call(reward: JuristPairwiseReward, inputs: Dict[str, List[Any]], completions: List[str]) -> List[float]:
    prompts = inputs["prompt"]
    for prompt in prompts:  # training_step's rewrite of a vision batch's conversational prompts
        for message in prompt:
            if isinstance(message["content"], str) and message["role"] == "user":
                message["content"] = [{"type": "image"}, {"type": "text", "text": message["content"]}]
    conversational = [[{"role": "assistant", "content": c}] for c in completions]
    reward_kwargs = {key: value * 2 for key, value in inputs.items() if key != "prompt"}
    return reward(prompts=2 * prompts, completions=conversational, completion_ids=[[5]] * len(completions), **reward_kwargs)


def trl_chosen(rewards: List[float]) -> List[int]:
    """training_step's choice: `mask = first_half >= second_half`, chosen = i or i + B."""
    half = len(rewards) // 2
    return [i if rewards[i] >= rewards[i + half] else i + half for i in range(half)]


class OnlineDpoTests(unittest.TestCase):
    def test_each_prompts_two_completions_are_one_pair_and_none_never_comes_back(self) -> None:
        images = [FakePilImage(png_bytes(255, 0, 0)), FakePilImage(png_bytes(0, 0, 255)), FakePilImage(png_bytes(0, 255, 0))]
        inputs = {
            "prompt": [[{"role": "user", "content": f"Describe image {i}."}] for i in range(3)],
            "image": images,
        }
        # first completions of prompts 0..2, then second completions
        completions = ["A red square.", "A blue square.", "A green square.", "Something red.", "A square.", "Green."]
        with RecordingProxy(live_url()) as proxy:
            rewards = online_dpo_call(JuristPairwiseReward(JuristClient(proxy.url)), inputs, completions)

        self.assertEqual(len(rewards), 6)
        self.assertNotIn(None, rewards)
        (request,) = proxy.requests
        self.assertEqual(request.path, "/v1/judge/batch")
        items = request.body["items"]
        self.assertEqual([item["responses"] for item in items], [[completions[i], completions[i + 3]] for i in range(3)])
        self.assertEqual([item["question"] for item in items], [f"Describe image {i}." for i in range(3)])
        self.assertEqual([item["images"] for item in items], [[{"url": data_uri(image.data)}] for image in images])
        for i, result in enumerate(request.answer["results"]):
            probability = result["verdict"]["probability_a"]
            self.assertEqual((rewards[i], rewards[i + 3]), (probability, 1 - probability))

    def test_an_empty_first_completion_is_never_chosen(self) -> None:
        # Jurist refuses an empty completion as its item's error; a 0.5 tie would then make TRL's
        # `first >= second` choose the empty FIRST completion. It is decided without the judge.
        questions = ("Capital of France?", "2+2?", "Say hi.", "Say bye.")
        inputs = {"prompt": [[{"role": "user", "content": q}] for q in questions]}
        # firsts of prompts 0..3, then seconds: prompt 0 empty first, prompt 2 both blank,
        # prompt 3 empty second; only prompt 1's pair has two texts.
        completions = ["", "Four.", "  ", "Bye.", "Paris.", "It is 4.", "\n", ""]
        with RecordingProxy(live_url()) as proxy:
            rewards = online_dpo_call(JuristPairwiseReward(JuristClient(proxy.url)), inputs, completions)

        self.assertEqual((rewards[0], rewards[4]), (0.0, 1.0))
        self.assertEqual((rewards[3], rewards[7]), (1.0, 0.0))
        self.assertEqual((rewards[2], rewards[6]), (0.5, 0.5))  # nothing to tell apart: a tie
        chosen = trl_chosen(rewards)
        self.assertEqual((chosen[0], chosen[3]), (4, 3), "the non-empty completion is chosen, first or second")
        (request,) = proxy.requests  # only prompt 1's pair reached the judge
        self.assertEqual([item["responses"] for item in request.body["items"]], [["Four.", "It is 4."]])
        probability = request.answer["results"][0]["verdict"]["probability_a"]
        self.assertEqual((rewards[1], rewards[5]), (probability, 1 - probability))

    def test_an_odd_number_of_completions_is_not_an_online_dpo_call(self) -> None:
        with self.assertRaises(ValueError):
            JuristPairwiseReward(JuristClient("http://127.0.0.1:9")).__call__(prompts=["a"] * 3, completions=["x"] * 3)


if __name__ == "__main__":
    unittest.main()
