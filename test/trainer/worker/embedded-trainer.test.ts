import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { makeSeedPrompts } from "../../../sim/seed-prompts.ts";
import { writeSimBench } from "../../../sim/sim-bench.ts";
import { startGateway } from "../../helpers/gateway.ts";

type Listed = { id: string; status: string; gates: { passed: boolean } | null };

t.test(
  "serve with the embedded trainer: collected traffic becomes a candidate the gates review",
  async (t) => {
    const bench = await writeSimBench(join(t.testdir(), "bench"), { n: 40, seed: 2 });
    const { fastify, runtime } = await startGateway(t, {
      env: {
        JURIST_BENCHMARKS: `vlrb=vlrb:${bench.vlrb},mmrb=mmrb:${bench.mmrb},heldout=jurist:${bench.heldout}`,
        JURIST_GATE_BOOTSTRAP_RESAMPLES: "200",
        JURIST_TRAIN_EMBEDDED: "true",
        JURIST_COLLECT_RATE: "1",
        JURIST_COLLECT_FLUSH_MS: "50",
        JURIST_TRAIN_MIN_NEW_PROMPTS: "24",
        JURIST_TRAIN_POLL_MS: "100",
      },
    });
    for (const { prompt, image } of makeSeedPrompts(24, 3)) {
      const response = await fastify.inject({
        method: "POST",
        url: "/v1/judge/pairwise",
        payload: {
          question: prompt.question,
          images: [{ url: `data:image/png;base64,${image.toString("base64")}` }],
          responses: ["An answer.", "Another answer."],
        },
      });
      t.equal(response.statusCode, 200);
    }

    let reviewed: Listed[] = [];
    for (let wait = 0; wait < 900 && reviewed.length === 0; wait++) {
      await sleep(100);
      const listed = await fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
      reviewed = (listed.json().data as Listed[]).filter(
        (record) =>
          /^jurist-judge-it1-/.test(record.id) &&
          record.gates !== null &&
          record.status !== "candidate",
      );
    }
    t.equal(reviewed.length, 1, "the trainer registered a candidate and the gates decided on it");
    const [candidate] = reviewed;
    t.equal(
      candidate!.status,
      candidate!.gates!.passed ? "champion" : "rejected",
      "promoted exactly when every gate passed",
    );
    // The review counts its decision just after recording it: give the counter a moment.
    // Every decision's series exists from the start at 0: wait for the one that counted.
    const decided = /jurist_candidate_reviews_total\{decision="(promoted|rejected)"\} 1/;
    let metrics = await runtime.metrics.registry.metrics();
    for (let wait = 0; wait < 50 && !decided.test(metrics); wait++) {
      await sleep(100);
      metrics = await runtime.metrics.registry.metrics();
    }
    t.match(metrics, /jurist_trainer_iterations_total\{outcome="completed"\} 1/);
    t.match(metrics, /jurist_trainer_examples [1-9]/, "the gateway's /metrics shows the trainer");
    t.match(metrics, decided);
    t.match(metrics, /jurist_gate_passed\{gate="vlrb-macro-improves",checkpoint="[^"]+"\} [01]/);
  },
);
