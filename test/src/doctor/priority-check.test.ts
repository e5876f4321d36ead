import t from "tap";
import type { SimServerOptions } from "../../../sim/sim-server.ts";
import type { CheckResult } from "../../../src/doctor/doctor-check.ts";
import { runDoctorCommand } from "../../../src/doctor/doctor-command.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";

/**
 * `jurist doctor`'s priority row against the simulator's vLLM mode, which handles a request's
 * `priority` as vLLM does (src/core/vllm-priority.ts: the V0 engine and V1 before 0.9.2 refuse
 * a non-zero one on `--scheduling-policy fcfs`, vllm/engine/llm_engine.py and
 * vllm/v1/engine/processor.py; V1 from 0.9.2 ignores it there).
 */

const REPLICA = {
  enableLora: true,
  runtimeLoraUpdating: true,
  enablePromptTokensDetails: true,
  maxModelLen: 16_384,
} as const;

async function priorityRow(t: Teardown, sim: Partial<SimServerOptions>, setting: string) {
  const [replica] = await startSims(t, 1, { ...REPLICA, ...sim });
  let out = "";
  const env = { JURIST_ENGINE_KEEP_ALIVE_MS: "1000", JURIST_VLLM_PRIORITY: setting };
  const code = await runDoctorCommand(["--replica", replica!.url, "--json"], env, (text) => {
    out += text;
  });
  const results = (JSON.parse(out) as { results: CheckResult[] }).results;
  return { code, row: results.find((r) => r.check === "priority")! };
}

t.test("priority on against an fcfs replica that refuses it fails, naming the flag", async (t) => {
  const { code, row } = await priorityRow(t, { vllmVersion: "0.9.0" }, "true");
  t.equal(code, 1);
  t.equal(row.status, "fail");
  t.match(row.result, /priority 40 refused: V1 does not support priority yet/);
  t.match(row.fix, /--scheduling-policy priority.*JURIST_VLLM_PRIORITY=false/);
});

t.test("priority on against a replica with priority scheduling", async (t) => {
  const older = await priorityRow(
    t,
    { vllmVersion: "0.9.0", schedulingPolicy: "priority" },
    "true",
  );
  t.equal(older.row.status, "ok", "0.9.0 would have refused it on fcfs: proven on");
  t.equal(older.code, 0);
  const newer = await priorityRow(
    t,
    { vllmVersion: "0.12.0", schedulingPolicy: "priority" },
    "true",
  );
  t.equal(newer.row.status, "warn", "0.12.0 takes it on fcfs too: cannot be told apart");
  t.match(newer.row.fix, /--scheduling-policy priority/);
  t.equal(newer.code, 0, "a warning does not fail the doctor");
});

t.test("priority off: nothing is sent, nothing to check", async (t) => {
  const { code, row } = await priorityRow(t, { vllmVersion: "0.9.0" }, "false");
  t.equal(row.status, "ok");
  t.match(row.result, /JURIST_VLLM_PRIORITY is off/);
  t.equal(code, 0);
});
