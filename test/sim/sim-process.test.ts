import t from "tap";
import { spawnSim } from "../helpers/sim-process.ts";
import { engineLoad, get, until } from "./sim-client.ts";

t.test("spawnSim starts a replica process with control on; SIGKILL ends it", async (t) => {
  const sim = await spawnSim(t, ["--model", "proc-sim"]);
  t.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.ok(sim.port > 0);
  t.equal(sim.pid, sim.child.pid);
  t.equal((await get(`${sim.url}/health`)).status, 200);
  t.match(await sim.control({ healthy: false }), { healthy: false, model_id: "proc-sim" });
  t.equal((await get(`${sim.url}/health`)).status, 503);
  await t.rejects(sim.control({ healthy: "no" }), /400/);
  await sim.kill("SIGKILL");
  t.equal(sim.child.signalCode, "SIGKILL");
  await t.rejects(fetch(`${sim.url}/health`), "nothing listens any more");
});

t.test("SIGTERM closes the server and exits 0 even while a request is stalled", async (t) => {
  const sim = await spawnSim(t);
  await sim.control({ stall: true });
  const stalled = fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "Describe the image." }] }),
  }).catch((error: Error) => error);
  const load = await until(
    () => engineLoad(sim.url),
    (l) => l.running === 1,
  );
  t.equal(load.running, 1);
  await sim.kill("SIGTERM");
  t.equal(sim.child.exitCode, 0);
  t.type(await stalled, Error, "the stalled request's connection was dropped");
});

t.test("two replicas share a port on different loopback addresses", async (t) => {
  const a = await spawnSim(t, ["--host", "127.0.0.2", "--model", "a-sim"]);
  const b = await spawnSim(t, [
    "--host",
    "127.0.0.3",
    "--port",
    String(a.port),
    "--model",
    "b-sim",
  ]);
  t.equal(a.url, `http://127.0.0.2:${a.port}`);
  t.equal(b.url, `http://127.0.0.3:${a.port}`);
  const idOf = async (url: string) => (await get(`${url}/v1/models`)).json.data[0].id;
  t.equal(await idOf(a.url), "a-sim");
  t.equal(await idOf(b.url), "b-sim");
  await b.control({ healthy: false });
  t.equal((await get(`${a.url}/health`)).status, 200, "controls are per replica");
  t.equal((await get(`${b.url}/health`)).status, 503);
});

t.test("spawnSim rejects with the process's stderr when it cannot start", async (t) => {
  await t.rejects(spawnSim(t, ["--accuracy", "2"]), /exited \(code 2[\s\S]*stderr:[\s\S]*accuracy/);
});
