"""JuristGRPOReward called as TRL's GRPOTrainer calls a reward function.

Follows trl/trainer/grpo_trainer.py at TRL v1.9.0 (commit 35def3e): `_calculate_rewards` calls
`reward_func(prompts=prompts, completions=completions, completion_ids=completion_ids_list,
**reward_kwargs)`, `reward_kwargs` being every other dataset column (one value per completion)
plus `trainer_state`, `log_extra` and `log_metric`. For a vision dataset `prompts` went through
`prepare_multimodal_messages` (trl/data_utils.py): the first user message's content becomes
`[{"type": "image", "image": <PIL image>}, ..., {"type": "text", "text": ...}]`; conversational
completions are `[{"role": "assistant", "content": text}]`. Each prompt's row is repeated
`num_generations` times in a row (RepeatSampler).
"""

from __future__ import annotations

import unittest
import warnings
from typing import Any, Dict, List, Tuple

from jurist_client import JuristClient, JuristGRPOReward
from jurist_client.images import data_uri

from .support import FakePilImage, RecordingProxy, live_url, png_bytes


class TrainerState:  # transformers.TrainerState, as far as a reward function could read it
    global_step = 7


def trl_call(reward: JuristGRPOReward, prompts: List[Any], completions: List[Any], **columns: Any) -> List[Any]:
    """The call of GRPOTrainer._calculate_rewards, argument for argument."""
    metrics: List[Tuple[str, float]] = []
    kwargs: Dict[str, Any] = dict(columns)
    kwargs["trainer_state"] = TrainerState()
    kwargs["log_extra"] = lambda column, values: None
    kwargs["log_metric"] = lambda name, value: metrics.append((name, value))
    rewards = reward(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * len(completions), **kwargs)
    trl_call.metrics = metrics  # type: ignore[attr-defined]
    return rewards


def vision_prompt(question: str, image: FakePilImage) -> List[Dict[str, Any]]:
    return [
        {"role": "system", "content": [{"type": "text", "text": "Answer briefly."}]},
        {"role": "user", "content": [{"type": "image", "image": image}, {"type": "text", "text": question}]},
    ]


def assistant(text: str) -> List[Dict[str, Any]]:
    return [{"role": "assistant", "content": text}]


class GrpoTests(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = RecordingProxy(live_url()).__enter__()
        self.addCleanup(self.proxy.__exit__)
        self.reward = JuristGRPOReward(JuristClient(self.proxy.url, priority="batch"))

    def test_same_question_different_images_are_judged_apart_with_their_own_images(self) -> None:
        red, blue = png_bytes(255, 0, 0), png_bytes(0, 0, 255)
        red_image, blue_image = FakePilImage(red), FakePilImage(blue)
        question = "What colour is the square?"
        prompts = [vision_prompt(question, red_image)] * 4 + [vision_prompt(question, blue_image)] * 4
        completions = [assistant(f"It is shade {i}.") for i in range(8)]
        rewards = trl_call(self.reward, prompts, completions, images=[[red_image]] * 4 + [[blue_image]] * 4)

        self.assertEqual(len(rewards), 8)
        self.assertTrue(all(isinstance(r, (int, float)) for r in rewards), rewards)
        sent = sorted(self.proxy.requests, key=lambda r: r.body["candidates"][0])
        self.assertEqual([r.path for r in sent], ["/v1/reward", "/v1/reward"])
        self.assertEqual(sent[0].body["images"], [{"url": data_uri(red)}])
        self.assertEqual(sent[0].body["candidates"], [f"It is shade {i}." for i in range(4)])
        self.assertEqual(sent[1].body["images"], [{"url": data_uri(blue)}])
        self.assertEqual(sent[1].body["candidates"], [f"It is shade {i}." for i in range(4, 8)])
        for request in sent:
            self.assertEqual(request.body["question"], question)  # the system prompt is not the question
            self.assertEqual(request.body["method"], "round_robin")
        self.assertEqual(red_image.saves + blue_image.saves, 2, "each image object is encoded once per call")
        self.assertEqual(trl_call.metrics, [("jurist/unscored_fraction", 0.0)])  # type: ignore[attr-defined]

    def test_a_group_over_16_is_scored_in_chunks_around_a_shared_anchor(self) -> None:
        prompts = ["Name a prime number."] * 20  # standard (non-conversational) text
        completions = [f"{n} is prime." for n in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)]
        rewards = trl_call(self.reward, prompts, completions)

        self.assertEqual(len(self.proxy.requests), 2)
        chunks = [r.body["candidates"] for r in self.proxy.requests]
        self.assertTrue(all(len(c) <= 16 and c[0] == completions[0] for c in chunks), chunks)
        self.assertEqual(sorted(sum((c[1:] for c in chunks), [])), sorted(completions[1:]))
        # Each score is the chunk's score minus the anchor's, then centred over the group.
        aligned = {completions[0]: 0.0}
        for request in self.proxy.requests:
            scores = request.answer["scores"]
            for text, score in zip(request.body["candidates"][1:], scores[1:]):
                aligned[text] = score - scores[0]
        mean = sum(aligned.values()) / len(aligned)
        for text, value in zip(completions, rewards):
            self.assertAlmostEqual(value, aligned[text] - mean, places=9)

    def test_a_reference_column_scores_against_it_in_chunks_of_16(self) -> None:
        prompts = [[{"role": "user", "content": "How many legs has a spider?"}]] * 17
        completions = [assistant(f"Eight legs, answer {i}.") for i in range(17)]
        rewards = trl_call(
            JuristGRPOReward(JuristClient(self.proxy.url), reference_key="solution"),
            prompts, completions, solution=["A spider has eight legs."] * 17,
        )
        bodies = [r.body for r in self.proxy.requests]
        self.assertEqual([len(b["candidates"]) for b in bodies], [9, 8])
        self.assertTrue(all(b["method"] == "reference" and b["reference"] == "A spider has eight legs." for b in bodies))
        answered = sum((r.answer["scores"] for r in self.proxy.requests), [])
        self.assertEqual(rewards, answered)  # absolute scores: no re-centring

    def test_a_single_image_column_and_an_unscored_candidate(self) -> None:
        image = png_bytes(0, 255, 0)
        self.proxy.script(200, {"scores": [0.4, None], "ranking": [0, 1], "failures": [{"index": 1, "reason": "the judge abstained"}],
                                "method": "round_robin", "mode": "fast", "checkpoint": "c", "simulated": True,
                                "pairs": {"total": 1, "judged": 0, "dropped": []}, "latency_ms": 1})
        rewards = trl_call(
            self.reward, [[{"role": "user", "content": "Colour?"}]] * 2, [assistant("Green."), assistant("Red.")],
            image=[{"bytes": image, "path": None}] * 2,  # a datasets Image column, undecoded
        )
        self.assertEqual(rewards, [0.4, None])  # TRL reads None as NaN: no signal
        self.assertEqual(self.proxy.requests[0].body["images"], [{"url": data_uri(image)}])
        self.assertEqual(trl_call.metrics, [("jurist/unscored_fraction", 0.5)])  # type: ignore[attr-defined]

    def test_empty_and_over_long_completions_stay_out_of_the_request(self) -> None:
        # Jurist refuses a blank or over-32,768-character candidate for the whole request; a
        # policy emitting EOS at once must not stop the step.
        completions = [assistant("Paris."), assistant(""), assistant("x" * 40_000), assistant("Lyon.")]
        rewards = trl_call(
            JuristGRPOReward(JuristClient(self.proxy.url), empty_reward=-9.21),
            [[{"role": "user", "content": "Capital of France?"}]] * 4, completions,
        )
        (request,) = self.proxy.requests
        self.assertEqual(request.body["candidates"], ["Paris.", "Lyon."])
        self.assertEqual(rewards[1:3], [-9.21, None])
        self.assertEqual([rewards[0], rewards[3]], request.answer["scores"])

    def test_groups_split_across_processes_are_warned_about_once(self) -> None:
        # per_device_train_batch_size=3, num_generations=2 on 2 GPUs (the figure in TRL's
        # _get_train_sampler): GPU 0's local generation batch holds prompts [0, 0, 1, 3, 3, 4],
        # prompt 1's other completion being GPU 1's. Its scores come from a separate request.
        prompts = ["Q0?", "Q0?", "Q1?", "Q3?", "Q3?", "Q4?"]
        completions = [f"Answer {i}." for i in range(6)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trl_call(self.reward, prompts, completions)
            trl_call(self.reward, prompts, completions)
        uneven = [w for w in caught if issubclass(w.category, RuntimeWarning) and "reference_key" in str(w.message)]
        self.assertEqual(len(uneven), 1, [str(w.message) for w in caught])
        self.assertIn("different sizes in one reward call (1, 2)", str(uneven[0].message))

    def test_even_groups_and_reference_scoring_are_not_warned_about(self) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trl_call(self.reward, ["Q0?", "Q0?", "Q1?", "Q1?"], [f"Answer {i}." for i in range(4)])
            trl_call(
                JuristGRPOReward(JuristClient(self.proxy.url), reference_key="solution"),
                ["Q0?", "Q0?", "Q1?"], [f"Answer {i}." for i in range(3)], solution=["A."] * 3,
            )
        self.assertEqual([str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)], [])

    def test_a_prompt_with_one_completion_gets_none_without_a_request(self) -> None:
        rewards = trl_call(self.reward, ["Alone?"], ["Yes."])
        self.assertEqual(rewards, [None])
        self.assertEqual(self.proxy.requests, [])


if __name__ == "__main__":
    unittest.main()
