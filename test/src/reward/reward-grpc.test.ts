import { create } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import {
  JudgeMode,
  RewardMethod,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import type { RewardWire } from "../../../src/http/wire/reward-schema.ts";
import { TINY_PNG, TINY_PNG_DATA_URI, validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSims } from "../../helpers/gateway.ts";
import { callError, simMetric, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";

const QUESTION = "How many apples are in the bowl?";
const CANDIDATES = ["Three red apples.", "Five green apples.", "A bowl."];
const REFERENCE = "There are three apples.";

async function httpReward(url: string, body: Record<string, unknown>): Promise<RewardWire> {
  const response = await request(`${url}/v1/reward`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (response.statusCode !== 200) throw new Error(await response.body.text());
  return (await response.body.json()) as RewardWire;
}

t.test("Reward over gRPC answers as POST /v1/reward, field for field", async (t) => {
  const sims = await startSims(t, 1, { seed: 4 });
  const gateway = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const cases = [
    {
      method: RewardMethod.REFERENCE,
      mode: JudgeMode.FAST,
      http: { method: "reference", mode: "fast", reference: REFERENCE },
    },
    { method: RewardMethod.UNSPECIFIED, mode: JudgeMode.UNSPECIFIED, http: {} },
  ];
  for (const { method, mode, http } of cases) {
    const grpc = await unaryCall(
      gateway.judge,
      gateway.judge.reward,
      create(RewardRequestSchema, {
        question: QUESTION,
        images: [{ source: { case: "data", value: TINY_PNG } }],
        candidates: CANDIDATES,
        method,
        mode,
        ...("reference" in http ? { reference: REFERENCE } : {}),
      }),
    );
    const wire = await httpReward(gateway.url, {
      question: QUESTION,
      images: [{ url: TINY_PNG_DATA_URI }],
      candidates: CANDIDATES,
      ...http,
    });
    t.same(
      grpc.scores.map((s) => s.score ?? null),
      wire.scores,
      "the same scores",
    );
    t.same(grpc.ranking, wire.ranking);
    t.same(
      grpc.failures.map((f) => ({ index: f.index, reason: f.reason })),
      wire.failures,
    );
    t.equal(
      grpc.method,
      wire.method === "reference" ? RewardMethod.REFERENCE : RewardMethod.ROUND_ROBIN,
    );
    t.equal(grpc.mode, wire.mode === "fast" ? JudgeMode.FAST : JudgeMode.REASONED);
    t.equal(grpc.checkpoint, wire.checkpoint);
    t.equal(grpc.simulated, true);
    t.equal(grpc.pairs?.total, wire.pairs.total);
    t.equal(grpc.pairs?.judged, wire.pairs.judged);
  }
});

t.test("Reward: bad input is INVALID_ARGUMENT, a priority name is checked", async (t) => {
  const sims = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const one = await callError(
    unaryCall(
      gateway.judge,
      gateway.judge.reward,
      create(RewardRequestSchema, { question: "Q?", candidates: ["only one"] }),
    ),
  );
  t.equal(one.code, status.INVALID_ARGUMENT);
  t.same(one.metadata.get("jurist-error-code"), ["INVALID_REQUEST"]);
  t.match(one.details, /candidates/);
  const noReference = await callError(
    unaryCall(
      gateway.judge,
      gateway.judge.reward,
      create(RewardRequestSchema, {
        question: "Q?",
        candidates: ["a", "b"],
        method: RewardMethod.REFERENCE,
      }),
    ),
  );
  t.equal(noReference.code, status.INVALID_ARGUMENT);
  t.match(noReference.details, /reference: the reference method needs a reference/);
  const metadata = new Metadata();
  metadata.set("jurist-priority", "urgent");
  const badClass = await callError(
    unaryCall(
      gateway.judge,
      gateway.judge.reward,
      create(RewardRequestSchema, { question: "Q?", candidates: ["a", "b"] }),
      { metadata },
    ),
  );
  t.equal(badClass.code, status.INVALID_ARGUMENT);
});

t.test("Reward: a call deadline the pairs cannot fit fails at once", async (t) => {
  const [sim] = await startSims(t, 1, { latencyMs: 300 });
  const gateway = await startGrpcGateway(t, { JURIST_BACKENDS: sim!.url });
  const warm = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    body: JSON.stringify(validPairwiseBody()),
    headers: { "content-type": "application/json" },
  });
  t.equal(warm.statusCode, 200);
  await warm.body.dump();
  const served = await simMetric(sim!.url, "vllm:request_success_total");
  const started = Date.now();
  const error = await callError(
    unaryCall(
      gateway.judge,
      gateway.judge.reward,
      create(RewardRequestSchema, {
        question: QUESTION,
        candidates: Array.from({ length: 16 }, (_, i) => `Answer ${i}.`),
      }),
      { deadlineMs: 1_000 },
    ),
  );
  t.equal(error.code, status.DEADLINE_EXCEEDED);
  t.same(error.metadata.get("jurist-error-code"), ["DEADLINE_TOO_SHORT"]);
  t.ok(Date.now() - started < 300, "before any pair ran");
  t.equal(await simMetric(sim!.url, "vllm:request_success_total"), served);
});
