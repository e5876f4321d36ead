import { create } from "@bufbuild/protobuf";
import { Metadata, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import {
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startSims } from "../../helpers/gateway.ts";
import { callError, metricSamples, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";

/**
 * gRPC messages are held against the same in-flight byte budget as HTTP bodies
 * (src/grpc/call-guards.ts holdMessage): a message whose bytes do not fit is refused with
 * UNAVAILABLE OVERLOADED and counted as shed for memory, and what a call held is given back
 * when it ends, whether it succeeded or not.
 */

const BUDGET = 200_000;

/**
 * A budget of `budget` bytes: the HTTP body limit a third of it, as the config requires, and
 * gRPC's own message limit set apart from it, so that grpc-js takes the messages below and the
 * budget is what refuses them.
 */
const budgetEnv = (budget: number) => ({
  JURIST_INFLIGHT_BYTES_BUDGET: String(budget),
  JURIST_BODY_LIMIT_BYTES: String(Math.floor(budget / 3)),
  JURIST_GRPC_MAX_MESSAGE_BYTES: String(1024 * 1024),
});
// Over half the budget: the message is held at twice its size (bytes and decoded strings).
const bigImage = { source: { case: "data" as const, value: new Uint8Array(120_000) } };

const pairwiseInit = {
  question: "How many apples are in the bowl?",
  responses: ["Three red apples.", "Five green apples."],
};
const smallPairwise = () => create(PairwiseRequestSchema, pairwiseInit);

async function memoryShed(runtime: Parameters<typeof metricSamples>[0]) {
  const samples = await metricSamples(runtime, "jurist_shed_requests_total");
  return samples.find((s) => s.labels.reason === "memory")?.value ?? 0;
}

t.test(
  "a message that does not fit the in-flight budget is refused, unary and stream",
  async (t) => {
    const sims = await startSims(t, 1);
    const g = await startGrpcGateway(t, {
      JURIST_BACKENDS: sims[0]!.url,
      ...budgetEnv(BUDGET),
    });

    const big = create(PairwiseRequestSchema, { ...pairwiseInit, images: [bigImage] });
    const refused = await callError(unaryCall(g.judge, g.judge.pairwise, big));
    t.equal(refused.code, status.UNAVAILABLE, "Pairwise: UNAVAILABLE");
    t.same(refused.metadata.get("jurist-error-code"), ["OVERLOADED"]);
    t.same(refused.metadata.get("retry-after"), ["1"], "with a retry-after trailer");
    t.match(refused.details, /memory/);

    const reward = await callError(
      unaryCall(
        g.judge,
        g.judge.reward,
        create(RewardRequestSchema, { question: "Q?", candidates: ["a", "b"], images: [bigImage] }),
      ),
    );
    t.same(reward.metadata.get("jurist-error-code"), ["OVERLOADED"], "Reward: refused alike");

    const stream = g.judge.pairwiseStream(new Metadata());
    const answers: PairwiseStreamResponse[] = [];
    stream.on("data", (answer: PairwiseStreamResponse) => answers.push(answer));
    const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
    stream.write(create(PairwiseStreamRequestSchema, { id: "big", request: big }));
    stream.write(create(PairwiseStreamRequestSchema, { id: "small", request: smallPairwise() }));
    stream.end();
    t.equal((await ended).code, status.OK, "the stream goes on past a refused item");
    const byId = new Map(answers.map((a) => [a.id, a.result]));
    const bigAnswer = byId.get("big");
    t.equal(bigAnswer?.case, "error", "the item that does not fit gets an error");
    t.equal(bigAnswer?.case === "error" ? bigAnswer.value.code : "", "OVERLOADED");
    t.equal(byId.get("small")?.case, "verdict", "the small item is judged");

    t.equal(await memoryShed(g.runtime), 3, "each refusal counted as shed for memory");
    t.equal(g.runtime.inflight.used(), 0, "refused calls hold nothing afterwards");
  },
);

t.test("what a judged message held is given back when its call ends", async (t) => {
  const sims = await startSims(t, 1);
  // Room for about ten of the messages below held at once.
  const budget = 2_000;
  const g = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims[0]!.url,
    ...budgetEnv(budget),
  });
  // Calls in a row, each under the budget alone: were any held after its call, the budget
  // would fill and the later calls be refused.
  const calls = 25;
  for (let i = 0; i < calls; i++) {
    const question = `${pairwiseInit.question} ${i}`;
    await unaryCall(
      g.judge,
      g.judge.pairwise,
      create(PairwiseRequestSchema, { ...pairwiseInit, question }),
    );
  }
  t.pass(`${calls} calls judged`);
  t.equal(g.runtime.inflight.used(), 0, "nothing held after the calls");
  t.equal(g.runtime.inflight.open(), 0, "no reservation left open");
  t.equal(await memoryShed(g.runtime), 0, "none refused");
});
