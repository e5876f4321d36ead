import t from "tap";
import {
  isPriorityRefusal,
  PRIORITY_IGNORED_ON_FCFS_SINCE,
  priorityRefusal,
  V1_DEFAULT_SINCE,
  VLLM_PRIORITY,
  WORK_CLASSES,
} from "../../../src/core/vllm-priority.ts";
import { toChatBody } from "../../../src/engine/completion-wire.ts";

/**
 * vLLM's per-request `priority` (vllm/entrypoints/openai/protocol.py: `priority: int = 0`,
 * "lower means earlier handling"), its refusal messages (V0: vllm/engine/llm_engine.py
 * `add_request`; V1 before 0.9.2: vllm/v1/engine/processor.py `process_inputs`) and the body
 * the gateway writes.
 */

const request = {
  messages: [{ role: "user" as const, content: "hi" }],
  maxTokens: 1,
  temperature: 0,
  seed: 7,
  topLogprobs: 5,
};

t.test("interactive work runs first, then batch, gate, trainer and shadow", async (t) => {
  const values = WORK_CLASSES.map((work) => VLLM_PRIORITY[work]);
  t.equal(
    VLLM_PRIORITY.interactive,
    0,
    "vLLM's default: never refused, ties with callers that send none",
  );
  t.same(
    values,
    [...values].sort((a, b) => a - b),
    "listed in the order they are served",
  );
  t.equal(new Set(values).size, values.length, "every class has a place of its own");
  t.ok(
    values.every((value) => Number.isInteger(value) && value >= 0),
    "vLLM reads an int",
  );
});

t.test("the body carries priority only when it is given", async (t) => {
  t.notOk("priority" in toChatBody("m", request, "structured_outputs"));
  t.equal(toChatBody("m", request, "structured_outputs", 30).priority, 30);
  t.equal(toChatBody("m", request, "guided_choice", 0).priority, 0, "0 is written when asked");
});

t.test("both engines' refusals are recognised, other 400s are not", async (t) => {
  t.equal(priorityRefusal("v0", 10), "Got priority 10 but Priority scheduling is not enabled.");
  t.equal(priorityRefusal("v1", 10), "V1 does not support priority yet.");
  t.ok(isPriorityRefusal(priorityRefusal("v0", 40)));
  t.ok(isPriorityRefusal(priorityRefusal("v1", 40)));
  t.notOk(
    isPriorityRefusal("Requested sample logprobs of 30, which is greater than max allowed: 20"),
  );
  t.notOk(isPriorityRefusal("priority must be an integer"));
});

t.test("the classes and the priority each sends", async (t) => {
  t.same(WORK_CLASSES, ["interactive", "batch", "gate", "trainer", "shadow"]);
  t.same(VLLM_PRIORITY, { interactive: 0, batch: 10, gate: 20, trainer: 30, shadow: 40 });
});

t.test("the releases that change what a non-zero priority meets on fcfs", async (t) => {
  t.same(V1_DEFAULT_SINCE, { major: 0, minor: 8, patch: 0 });
  t.same(PRIORITY_IGNORED_ON_FCFS_SINCE, { major: 0, minor: 9, patch: 2 });
});

t.test("a refusal of any priority, negative or many digits, as the engine words it", async (t) => {
  t.equal(priorityRefusal("v0", -1), "Got priority -1 but Priority scheduling is not enabled.");
  for (const priority of [-1, 1, -250, 1234]) {
    t.ok(isPriorityRefusal(priorityRefusal("v0", priority)), String(priority));
  }
  t.ok(
    isPriorityRefusal(`{"object":"error","message":"${priorityRefusal("v1", 10)}","code":400}`),
    "inside vLLM's error body",
  );
  t.notOk(isPriorityRefusal("Got priority x but Priority scheduling is not enabled."));
  t.notOk(isPriorityRefusal("V1 does not support priority"));
});
