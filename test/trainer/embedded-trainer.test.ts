import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { makeSeedPrompts } from "../../src/sim/seed-prompts.ts";
import { startGateway } from "../helpers/gateway.ts";

t.test(
  "serve with the embedded trainer: collected verdict traffic becomes a registered candidate",
  async (t) => {
    const { fastify, runtime } = await startGateway(t, {
      env: {
        JURIST_TRAIN_EMBEDDED: "true",
        JURIST_COLLECT_RATE: "1",
        JURIST_COLLECT_FLUSH_MS: "50",
        JURIST_TRAIN_MIN_NEW_PROMPTS: "24",
        JURIST_TRAIN_POLL_MS: "100",
      },
    });
    const prompts = makeSeedPrompts(24, 3);
    for (const { prompt, image } of prompts) {
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

    let candidates: { id: string; status: string; parent: string | null }[] = [];
    for (let wait = 0; wait < 600 && candidates.length === 0; wait++) {
      await sleep(100);
      const listed = await fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
      candidates = listed
        .json()
        .data.filter((record: { status: string }) => record.status === "candidate");
    }
    t.equal(candidates.length, 1, "the embedded trainer registered one candidate");
    t.match(candidates[0], { id: /^jurist-judge-it1-/ });
    const metrics = await runtime.metrics.registry.metrics();
    t.match(metrics, /jurist_trainer_iterations_total\{outcome="completed"\} 1/);
    t.match(metrics, /jurist_trainer_examples [1-9]/, "the gateway's /metrics shows the trainer");
  },
);
