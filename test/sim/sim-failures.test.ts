import t from "tap";
import { chat, startSim } from "./sim-client.ts";

const OPEN = [{ role: "user", content: "Describe the image." }];

t.test("errorRate 1 answers every completion with vLLM's 500 body", async (t) => {
  const sim = await startSim(t, { errorRate: 1 });
  for (let i = 0; i < 5; i++) {
    const result = await chat(sim, { messages: OPEN });
    t.equal(result.status, 500);
    t.match(result.json, {
      error: { message: /simulated/i, type: "InternalServerError", code: 500 },
      simulated: true,
    });
  }
});

t.test("errorRate is drawn per request, so retrying the same request can succeed", async (t) => {
  const sim = await startSim(t, { errorRate: 0.5, seed: 4 });
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await chat(sim, { messages: OPEN, seed: 1 })).status);
  const failures = statuses.filter((s) => s === 500).length;
  t.ok(failures > 8 && failures < 32, `${failures}/40 failed`);
  t.ok(statuses.every((s) => s === 200 || s === 500));
});

t.test("a replica can be made to fail and recover mid-test", async (t) => {
  const sim = await startSim(t);
  t.equal((await chat(sim, { messages: OPEN })).status, 200);
  sim.setOptions({ errorRate: 1 });
  t.equal((await chat(sim, { messages: OPEN })).status, 500);
  sim.setOptions({ errorRate: 0 });
  t.equal((await chat(sim, { messages: OPEN })).status, 200);
});
