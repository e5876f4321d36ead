"""OpenRLHF's remote reward model client, both generations, with the standard library only.

Run: python3 openrlhf_client.py http://127.0.0.1:PORT/get_reward  (prints a JSON summary;
exits 1 when OpenRLHF would have crashed or gone without a reward for an item).

It mirrors OpenRLHF as read at its tags (github.com/OpenRLHF/OpenRLHF):
- generation 1, v0.9.0: openrlhf/utils/remote_rm_utils.py `request_api_wrapper` (requests.post
  with json=, timeout=180, raise_for_status, 5 tries one second apart, then raise) called by
  `RemoteRewardModel.get_rewards`, which sends the whole rollout batch in one request per
  --remote_rm_url server; openrlhf/trainer/ppo_utils/experience_maker.py
  `update_samples_with_rewards`: torch.as_tensor(info["rewards"]), the same for "scores" and
  for every extra_logs key;
- generation 2, v0.9.1 to v0.11.0: openrlhf/utils/agent.py
  `SingleTurnAgentExecutor._fetch_rewards_via_http`: one sample per request ([query], [prompt],
  [label]), aiohttp total timeout 180 s, 5 tries one second apart, many samples at once; a
  failure is logged and the sample keeps reward None; `scores` falls back to `rewards`
  (v0.11.0: when None); openrlhf/trainer/ppo_utils/samples_generator.py
  `_process_response_into_experience`: torch.tensor([reward]), torch.tensor([value]) for
  every extra_logs value.
torch is not needed: `as_tensor` below refuses what torch refuses (None, strings).

Queries are what OpenRLHF decodes with skip_special_tokens=False: the chat template applied
with add_generation_prompt=True, the response, the EOS; for a VLM the processor's ids, where
each image placeholder is expanded (Qwen2.5-VL: one <|image_pad|> per merged patch; Gemma 3:
"\\n\\n<start_of_image>" + 256 <image_soft_token> + "<end_of_image>\\n\\n"). Labels are what the
dataset's --label_key column holds: "" without it (datasets/prompts_dataset.py
`preprocess_data`), numbers as json.dumps writes them.
"""

import json
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TRY_MAX_TIMES = 5
TIMEOUT_S = 180


def request_api_wrapper(url, data, try_max_times=TRY_MAX_TIMES):
    """remote_rm_utils.request_api_wrapper (v0.9.0), urllib for requests."""
    body = json.dumps(data).encode()
    for _ in range(try_max_times):
        try:
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # raise_for_status
            sys.stderr.write(f"Request error, please check: {error.code} {error.read()[:300]!r}\n")
        except Exception as error:
            sys.stderr.write(f"Unexpected error, please check: {error}\n")
        time.sleep(1)
    raise Exception(f"Request error for {try_max_times} times, returning None. Please check the API server.")


def as_tensor(values, what):
    """torch.as_tensor of a list: numbers only (bools are numbers to torch)."""
    for value in values:
        if isinstance(value, list):
            as_tensor(value, what)
        elif value is None or not isinstance(value, (int, float)):
            raise TypeError(f"{what}: must be real number, not {type(value).__name__}")
    return values


def generation1(url, queries, prompts, labels):
    """The whole batch in one request; a reward missing anywhere crashes the step."""
    info = request_api_wrapper(url, {"query": queries, "prompts": prompts, "labels": labels})
    rewards = as_tensor(info["rewards"], "rewards")
    scores = as_tensor(info["scores"], "scores") if "scores" in info else rewards
    for key, series in (info.get("extra_logs") or {}).items():
        as_tensor(series, f"extra_logs.{key}")
    if len(rewards) != len(queries) or len(scores) != len(queries):
        raise ValueError("torch.cat(...).split(samples_len): the rewards do not match the samples")
    failed = [failure["index"] for failure in info.get("failures", [])]
    return {"rewards": rewards, "scores": scores, "failed": failed, "requests": 1}


def generation2(url, queries, prompts, labels, workers=32):
    """One sample per request, many in flight; a sample without a reward has none to train on."""

    def one(i):
        try:
            info = request_api_wrapper(
                url, {"query": [queries[i]], "prompts": [prompts[i]], "labels": [labels[i]]}
            )
        except Exception as error:
            sys.stderr.write(f"[SingleTurnExecutor] Failed to fetch reward from remote RM: {error}\n")
            return None, None, False
        reward = info.get("rewards")
        score = info.get("scores")
        if score is None:
            score = reward
        if reward is not None:
            as_tensor([reward], "reward")
        if score is not None:
            as_tensor([score], "score")
        for key, value in (info.get("extra_logs") or {}).items():
            as_tensor([value], f"extra_logs.{key}")
        return reward, score, bool(info.get("failures"))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, range(len(queries))))
    rewards = [None if reward is None else reward[0] for reward, _, _ in results]
    scores = [None if score is None else score[0] for _, score, _ in results]
    failed = [i for i, (_, _, was) in enumerate(results) if was]
    return {"rewards": rewards, "scores": scores, "failed": failed, "requests": len(queries)}


QWEN_SYSTEM = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"


def qwen(question):
    return f"{QWEN_SYSTEM}<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"


def llama(question):
    return (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
        f"<|start_header_id|>user<|end_header_id|>\n\n{question}<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def gemma(question):
    return f"<bos><start_of_turn>user\n{question}<end_of_turn>\n<start_of_turn>model\n"


EOS = {"qwen": "<|im_end|>", "llama": "<|eot_id|>", "gemma": "<end_of_turn>"}
TEMPLATES = {"qwen": qwen, "llama": llama, "gemma": gemma}

QA = [
    ("How many cats are on the sofa?", "Two cats.", "There are two cats on the sofa."),
    ("What colour is the car?", "It is red.", "The car is red."),
    ("Is it raining?", "No, the sun is out.", "It is not raining."),
]


def cases():
    """name → (queries, prompts, labels)."""
    built = {}
    clean = [[], [], []]
    for question, response, label in QA:
        clean[0].append(question + response)
        clean[1].append(question)
        clean[2].append(label)
    built["text_clean"] = clean
    for name, template in TEMPLATES.items():
        marked = [[], [], []]
        for question, response, label in QA:
            prompt = template(question)
            marked[0].append(prompt + response + EOS[name])
            marked[1].append(prompt)
            marked[2].append(label)
        built[f"text_{name}"] = marked

    # Vision: the prompt holds each placeholder once, the query as the processor expanded it.
    qwen_vl = qwen("<|vision_start|><|image_pad|><|vision_end|>How many cats are on the sofa?")
    gemma_vl = gemma("<start_of_image>How many cats are on the sofa?")
    gemma_block = "\n\n<start_of_image>" + "<image_soft_token>" * 256 + "<end_of_image>\n\n"
    llama_vl = llama("<|image|>How many cats are on the sofa?")
    built["vision"] = [
        [
            qwen_vl.replace("<|image_pad|>", "<|image_pad|>" * 529) + "Two cats.<|im_end|>",
            qwen_vl.replace("<|image_pad|>", "<|image_pad|>" * 64) + "Three cats.<|im_end|><|endoftext|>",
            gemma_vl.replace("<start_of_image>", gemma_block) + "Two cats.<end_of_turn>",
            llama_vl + "Two cats.<|eot_id|>",
        ],
        [qwen_vl, qwen_vl, gemma_vl, llama_vl],
        ["Two cats."] * 4,
    ]

    numeric = [qwen(f"What is {a} times {b}?") for a, b in [(6, 7), (3, 5), (1, 0.5)]]
    built["numeric_labels"] = [
        [numeric[0] + "42<|im_end|>", numeric[1] + "15<|im_end|>", numeric[2] + "0.5<|im_end|>"],
        numeric,
        [42, 15, 0.5],
    ]

    # Without --label_key every label is "".
    built["empty_labels"] = [list(x) for x in built["text_qwen"]]
    built["empty_labels"][2] = ["", "", ""]

    # The policy stopped at once: <|im_end|> alone.
    empty = qwen("Name a fruit.")
    built["empty_response"] = [[empty + "<|im_end|>"], [empty], ["An apple."]]

    # A real system prompt makes the one request of generation 1 over 1 MiB (the size at which
    # the gateway parses a body on a loop turn of its own).
    system = "<|im_start|>system\n" + "You answer arithmetic questions in one line. " * 8 + "<|im_end|>\n"
    many = [system + qwen(f"What is {i} plus one?")[len(QWEN_SYSTEM):] for i in range(1500)]
    built["batch_1500"] = [
        [prompt + f"{i + 1}.<|im_end|>" for i, prompt in enumerate(many)],
        many,
        [i + 1 for i in range(1500)],
    ]
    return built


def main():
    url = sys.argv[1]
    summary = {}
    problems = []
    for generation, send in (("generation1", generation1), ("generation2", generation2)):
        summary[generation] = {}
        for name, (queries, prompts, labels) in cases().items():
            try:
                result = send(url, queries, prompts, labels)
            except Exception as error:  # what would have stopped the training step
                problems.append(f"{generation} {name}: {type(error).__name__}: {error}")
                continue
            missing = [i for i, reward in enumerate(result["rewards"]) if reward is None]
            if missing:
                problems.append(f"{generation} {name}: no reward for items {missing[:10]}")
            size = len(json.dumps({"query": queries, "prompts": prompts, "labels": labels}))
            summary[generation][name] = {"items": len(queries), "bytes": size, **result}
    summary["problems"] = problems
    json.dump(summary, sys.stdout)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
