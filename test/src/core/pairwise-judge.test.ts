import { getEventListeners } from "node:events";
import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { createPairwiseJudge, retrySeed } from "../../../src/core/pairwise-judge.ts";
import { renderPairwisePrompt } from "../../../src/core/pairwise-template.ts";
import type {
  Completion,
  CompletionRequest,
  JudgeEngine,
  PairwiseTask,
} from "../../../src/core/types.ts";
import {
  createScriptedEngine,
  fastCompletion,
  RESPONSES,
  reasonedCompletion,
  type Script,
  unreadableCompletion,
  vllmFastCompletion,
  vllmReasonedCompletion,
} from "./scripted-engine.ts";

const settings = {
  tieMargin: 0.1,
  temperature: 0,
  retryTemperature: 0.7,
  maxTokens: 512,
  topLogprobs: 5,
};

const task = (overrides: Partial<PairwiseTask> = {}): PairwiseTask => ({
  question: "What colour is the car?",
  images: [
    {
      sha256: "a".repeat(64),
      mime: "image/png",
      dataUri: "data:image/png;base64,AAAA",
      byteLength: 3,
    },
  ],
  responses: [...RESPONSES],
  mode: "reasoned",
  swap: true,
  seed: 7,
  ...overrides,
});

/** A judge that prefers the caller's first response in whichever slot it sits. */
const prefersFirst: Script = ({ order }) =>
  order === "AB" ? reasonedCompletion("A", 0.9) : reasonedCompletion("B", 0.2);

function setup(script: Script) {
  const scripted = createScriptedEngine(script);
  return { ...scripted, judge: createPairwiseJudge({ engine: scripted.engine, settings }) };
}

t.test("both orders run concurrently on one session and map back to the caller", async (t) => {
  const { judge, calls, sessions, maxInFlight } = setup(prefersFirst);
  const result = await judge.judge(task({ checkpoint: "ckpt_7" }));
  t.same(sessions, ["ckpt_7"], "one session for the pinned checkpoint");
  t.same(calls.map((c) => c.order).sort(), ["AB", "BA"]);
  t.equal(maxInFlight(), 2, "both orders were in flight together");
  t.match(result, {
    outcome: "ok",
    winner: "A",
    consistent: true,
    checkpoint: "ckpt_7",
    replica: "replica-1",
    template: "pairwise-v1",
    reasoning: "Assistant A describes the image better.",
  });
  t.ok(Math.abs((result.probabilityA ?? 0) - 0.85) < 1e-9, "mean of 0.9 and 1 − 0.2");
  t.same(
    result.orders.map((o) => [o.order, o.winner]),
    [
      ["AB", "A"],
      ["BA", "A"],
    ],
  );
});

t.test("a position-biased judge disagrees with itself and ties", async (t) => {
  const { judge } = setup(() => reasonedCompletion("A", 0.8));
  const result = await judge.judge(task());
  t.match(result, { outcome: "ok", winner: "tie", consistent: false });
  t.ok(Math.abs((result.probabilityA ?? 0) - 0.5) < 1e-9);
});

t.test("reasoned requests carry the settings, the seed and the rendered prompt", async (t) => {
  const { judge, calls } = setup(prefersFirst);
  await judge.judge(task());
  for (const { request } of calls) {
    t.match(request, { maxTokens: 512, temperature: 0, seed: 7, topLogprobs: 5 });
    t.equal(request.choice, undefined);
    const user = request.messages[1]?.content;
    t.equal(Array.isArray(user) && user[0]?.type, "image_url", "images come first");
  }
});

t.test(
  "an unreadable order is retried once with another seed and a warmer temperature",
  async (t) => {
    const { judge, calls } = setup((call) =>
      call.order === "AB" && call.attempt === 0 ? unreadableCompletion() : prefersFirst(call),
    );
    const result = await judge.judge(task());
    t.match(result, { outcome: "ok", winner: "A", consistent: true });
    const ab = calls.filter((c) => c.order === "AB").map((c) => c.request);
    t.same(
      ab.map((r) => [r.seed, r.temperature]),
      [
        [7, 0],
        [retrySeed(7), 0.7],
      ],
    );
    t.not(retrySeed(7), 7);
    t.equal(calls.filter((c) => c.order === "BA").length, 1, "the readable order is not retried");
    t.same(new Set(calls.map((c) => c.session)), new Set([0]), "the retry uses the same session");
  },
);

t.test("orders still unreadable after their retry abstain", async (t) => {
  const { judge, calls } = setup(() => unreadableCompletion());
  const result = await judge.judge(task());
  t.equal(calls.length, 4, "one retry per order, no more");
  t.match(result, { outcome: "abstain", winner: null, probabilityA: null, consistent: null });
  t.match(result.reason, /AB: no verdict marker; after retry: no verdict marker/);
  t.match(result.reason, /BA: /);
});

t.test("one order unreadable after retry gives a partial verdict", async (t) => {
  const { judge } = setup((call) =>
    call.order === "AB" ? unreadableCompletion("[[A]] or [[B]]") : reasonedCompletion("A", 0.7),
  );
  const result = await judge.judge(task());
  t.match(result, { outcome: "partial", winner: "B", consistent: null });
  t.ok(Math.abs((result.probabilityA ?? 0) - 0.3) < 1e-9, "BA's slot A is the caller's B");
  t.match(result.orders[0], { order: "AB", outcome: "invalid", reason: /both verdicts/ });
});

t.test("fast mode sends a one-token constrained choice", async (t) => {
  const { judge, calls } = setup(({ order }) =>
    order === "AB" ? fastCompletion("A", 0.9) : fastCompletion("B", 0.3),
  );
  const result = await judge.judge(task({ mode: "fast" }));
  for (const { request } of calls) t.match(request, { choice: ["A", "B"], maxTokens: 1 });
  t.match(result, { outcome: "ok", winner: "A", consistent: true, reasoning: "" });
  t.ok(Math.abs((result.probabilityA ?? 0) - 0.8) < 1e-9);
});

t.test("swap off judges only the caller's order; the default seed is 0", async (t) => {
  const { judge, calls } = setup(prefersFirst);
  const result = await judge.judge(task({ swap: false, seed: undefined }));
  t.same(
    calls.map((c) => [c.order, c.request.seed]),
    [["AB", 0]],
  );
  t.match(result, { outcome: "ok", winner: "A", consistent: null });
  t.ok(Math.abs((result.probabilityA ?? 0) - 0.9) < 1e-9);
  t.equal(result.orders.length, 1);
});

t.test(
  "vLLM's token lists (split characters, EOS, reasoning, -9999) keep the probability",
  async (t) => {
    const reasoned = setup(({ order }) =>
      order === "AB" ? vllmReasonedCompletion("A", 0.9) : vllmReasonedCompletion("B", 0.2),
    );
    const r = await reasoned.judge.judge(task());
    t.match(r, { outcome: "ok", winner: "A", consistent: true });
    t.ok(Math.abs((r.probabilityA ?? 0) - 0.85) < 1e-9, `reasoned: ${r.probabilityA}`);

    const fast = setup(({ order }) =>
      order === "AB" ? vllmFastCompletion("A", 0.9) : vllmFastCompletion("B", 0.3),
    );
    const f = await fast.judge.judge(task({ mode: "fast" }));
    t.ok(Math.abs((f.probabilityA ?? 0) - 0.8) < 1e-9, `fast: ${f.probabilityA}`);
  },
);

t.test("a completion without logprobs is read with an unknown probability", async (t) => {
  const { judge } = setup((call) => ({ ...prefersFirst(call), tokens: null }) as never);
  const result = await judge.judge(task());
  t.match(result, { outcome: "ok", winner: "A", consistent: true, probabilityA: null });
});

t.test("engine errors propagate, are not retried, and cancel the sibling order", async (t) => {
  const failure = new AppError("UPSTREAM_ERROR", "replica said 500");
  const { judge, calls } = setup(async ({ order }) => {
    if (order === "AB") throw failure;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return reasonedCompletion("A", 0.9);
  });
  await t.rejects(judge.judge(task()), failure);
  t.equal(calls.length, 2);
  const sibling = calls.find((c) => c.order === "BA");
  t.equal(sibling?.signal?.aborted, true, "the other order's request was cancelled");
});

t.test("aborting the caller's signal aborts the engine calls", async (t) => {
  const controller = new AbortController();
  const { judge, calls } = setup((call) => {
    controller.abort(new Error("client went away"));
    return prefersFirst(call);
  });
  await judge.judge(task(), controller.signal);
  t.equal(calls.length, 2);
  t.ok(calls.every((c) => c.signal?.aborted && c.signal.reason === controller.signal.reason));
});

t.test("an already aborted signal reaches the engine aborted", async (t) => {
  const { judge, calls } = setup(prefersFirst);
  await judge.judge(task(), AbortSignal.abort());
  t.ok(calls.every((c) => c.signal?.aborted));
});

t.test("a long-lived caller signal keeps no listener per verdict", async (t) => {
  const { judge } = setup(prefersFirst);
  const shutdown = new AbortController();
  await judge.judge(task(), shutdown.signal);
  await t.rejects(
    setup(() => {
      throw new AppError("UPSTREAM_TIMEOUT", "slow");
    }).judge.judge(task(), shutdown.signal),
  );
  t.equal(getEventListeners(shutdown.signal, "abort").length, 0);
});

t.test("a session error propagates before any completion", async (t) => {
  const failure = new AppError("NO_HEALTHY_REPLICA", "no replica serves ckpt_x");
  const judge = createPairwiseJudge({
    engine: {
      session: () => {
        throw failure;
      },
    },
    settings,
  });
  await t.rejects(judge.judge(task()), failure);
});

t.test("retry seeds are deterministic 31-bit integers distinct from the first", async (t) => {
  t.equal(retrySeed(0), 1_000_003);
  t.equal(retrySeed(2 ** 31 - 1), 1_000_002);
  t.equal(retrySeed(-5), 999_998);
  t.equal(retrySeed(7), retrySeed(7));
});

t.test(
  "the session carries the task's checkpoint and admission; the verdict its usage",
  async (t) => {
    const scripted = createScriptedEngine(prefersFirst);
    const opened: unknown[] = [];
    const promptTokens = { total: 1200, cached: 640 };
    const engine: JudgeEngine = {
      session: (checkpoint, options) => {
        opened.push([checkpoint, options]);
        return { ...scripted.engine.session(checkpoint), promptTokens };
      },
    };
    const judge = createPairwiseJudge({ engine, settings });
    const result = await judge.judge(
      task({ checkpoint: "ckpt_3", priority: "batch", work: "gate" }),
    );
    t.same(opened, [["ckpt_3", { priority: "batch", work: "gate" }]]);
    t.same(result.promptTokens, promptTokens);
    t.equal(result.checkpoint, "ckpt_3");
  },
);

t.test(
  "each order's prompt puts the caller's responses in its slots, with the rubric",
  async (t) => {
    const { judge, calls } = setup(prefersFirst);
    const judged = task({ rubric: "Count the cars." });
    await judge.judge(judged);
    const prompt = (slotA: string, slotB: string) =>
      renderPairwisePrompt({
        question: judged.question,
        images: judged.images,
        rubric: "Count the cars.",
        mode: "reasoned",
        slotA,
        slotB,
      });
    const [first, second] = RESPONSES;
    t.strictSame(calls.find((c) => c.order === "AB")?.request.messages, prompt(first, second));
    t.strictSame(calls.find((c) => c.order === "BA")?.request.messages, prompt(second, first));
  },
);

t.test("the reasoning is the completion's whole text, trimmed; fast mode has none", async (t) => {
  const { judge } = setup((call) => {
    const completion = prefersFirst(call) as Completion;
    return { ...completion, text: `\n  ${completion.text}  \n` };
  });
  const result = await judge.judge(task());
  t.equal(result.reasoning, "Assistant A describes the image better.\n\n[[A]]");
  t.equal(result.orders[1]?.reasoning, "Assistant B describes the image better.\n\n[[B]]");

  const unread = setup(() => unreadableCompletion("  Both are fine.\n"));
  const abstained = await unread.judge.judge(task());
  t.same(
    abstained.orders.map((o) => o.reasoning),
    ["Both are fine.", "Both are fine."],
    "an unreadable order keeps its retry's text",
  );
});

t.test("an engine that returns no completion is retried, then the order is unread", async (t) => {
  const requests: CompletionRequest[] = [];
  const engine: JudgeEngine = {
    session: () => ({
      checkpoint: "ckpt_champion",
      replica: "replica-1",
      complete: async (request) => {
        requests.push(request);
        return [];
      },
    }),
  };
  const result = await createPairwiseJudge({ engine, settings }).judge(task({ swap: false }));
  t.equal(requests.length, 2, "the first attempt and its retry");
  t.same(result.orders, [
    {
      order: "AB",
      outcome: "invalid",
      winner: null,
      probabilityA: null,
      reasoning: "",
      reason: "no completion; after retry: no completion",
    },
  ]);
  t.equal(result.reason, "no readable verdict (AB: no completion; after retry: no completion)");
});

t.test("a retry never cools below the first attempt's temperature", async (t) => {
  const scripted = createScriptedEngine((call) =>
    call.attempt === 0 ? unreadableCompletion() : prefersFirst(call),
  );
  const warm = { ...settings, temperature: 1.2, retryTemperature: 0.7 };
  const judge = createPairwiseJudge({ engine: scripted.engine, settings: warm });
  await judge.judge(task({ swap: false }));
  t.same(
    scripted.calls.map((c) => c.request.temperature),
    [1.2, 1.2],
  );
});

t.test("a retry that reads takes its own verdict and probability", async (t) => {
  const { judge } = setup((call) =>
    call.attempt === 0 ? unreadableCompletion() : reasonedCompletion("A", 0.75),
  );
  const result = await judge.judge(task({ swap: false }));
  t.match(result.orders, [{ order: "AB", outcome: "ok", winner: "A" }]);
  t.equal(result.orders[0]?.reason, undefined, "no reason on a read order");
  t.ok(Math.abs((result.orders[0]?.probabilityA ?? 0) - 0.75) < 1e-9, "the retry's logprobs");
});
