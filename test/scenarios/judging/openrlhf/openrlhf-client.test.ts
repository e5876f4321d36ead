/**
 * OpenRLHF's own client, as its users run it, against a live `jurist serve` on simulated
 * replicas. openrlhf_client.py (next to this file) reproduces, with python3's standard library,
 * the HTTP client and reward-to-tensor steps of OpenRLHF v0.9.0 (openrlhf/utils/
 * remote_rm_utils.py request_api_wrapper + RemoteRewardModel.get_rewards: the whole batch in
 * one request; trainer/ppo_utils/experience_maker.py update_samples_with_rewards) and v0.11.0
 * (openrlhf/utils/agent.py SingleTurnAgentExecutor._fetch_rewards_via_http: one sample per
 * request; trainer/ppo_utils/samples_generator.py _process_response_into_experience). The
 * script exits 1 when OpenRLHF would have crashed (a null or string in a tensor, a request
 * refused five times) or left an item without a reward.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import t from "tap";
import { MINIMUM_REWARD } from "../../../../src/core/reward-scores.ts";
import { startSims } from "../../../helpers/gateway.ts";
import { processOutput } from "../../../helpers/process-output.ts";
import { needs } from "../../../helpers/required-tools.ts";
import { FROM_SOURCES, serveGateway } from "../../../helpers/serve-process.ts";

const CLIENT = fileURLToPath(new URL("./openrlhf_client.py", import.meta.url));

interface Sent {
  items: number;
  /** The JSON body of the whole batch, bytes. */
  bytes: number;
  rewards: number[];
  scores: number[];
  failed: number[];
  requests: number;
}
type Generation = Record<string, Sent>;
interface Summary {
  generation1: Generation;
  generation2: Generation;
  problems: string[];
}

/** python3 openrlhf_client.py URL, asynchronously (the sims answer from this process). */
async function runClient(url: string) {
  return processOutput(spawn("python3", [CLIENT, url], { stdio: ["ignore", "pipe", "pipe"] }));
}

t.test(
  "OpenRLHF's client, both generations: a number for every item",
  needs(["python3"], "apt-get install python3"),
  async (t) => {
    // One seed on both replicas: a text gets the same verdict whichever replica judges it.
    const sims = await startSims(t, 2, { seed: 5 });
    const gateway = await serveGateway(
      t,
      {
        JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
        JURIST_REWARD_MODE: "fast",
        // "" labels are expected to fail: OpenRLHF needs a number for them too.
        JURIST_REWARD_ON_FAILURE: "0",
      },
      [],
      FROM_SOURCES,
    );
    const run = await runClient(`${gateway.url}/get_reward`);
    t.equal(run.code, 0, `the client ran through; stderr:\n${run.stderr.slice(0, 2000)}`);
    const summary = JSON.parse(run.stdout) as Summary;
    t.same(summary.problems, []);

    for (const generation of ["generation1", "generation2"] as const) {
      const sent = summary[generation];
      for (const [name, result] of Object.entries(sent)) {
        t.equal(result.rewards.length, result.items, `${generation} ${name}: one per item`);
        t.ok(
          result.rewards.every((r) => typeof r === "number" && Number.isFinite(r)),
          `${generation} ${name}: every reward a number`,
        );
      }
      t.equal(sent.batch_1500!.items, 1500);
      t.ok(sent.batch_1500!.bytes > 1024 * 1024, "over 1 MiB in one body");
      t.equal(sent.batch_1500!.requests, generation === "generation1" ? 1 : 1500);
      t.same(sent.batch_1500!.failed, [], `${generation}: 1,500 items, none failed`);

      // The judge sees the user's question and the response, whatever the policy's template.
      for (const template of ["text_qwen", "text_llama", "text_gemma"]) {
        t.same(sent[template]!.rewards, sent.text_clean!.rewards, `${generation} ${template}`);
        t.same(sent[template]!.failed, []);
      }
      t.same(sent.vision!.failed, [], `${generation}: expanded image placeholders split`);
      t.same(sent.numeric_labels!.failed, [], `${generation}: numeric labels judged`);
      t.same(sent.empty_labels!.failed, [0, 1, 2], `${generation}: "" labels reported`);
      t.same(sent.empty_labels!.rewards, [0, 0, 0], "JURIST_REWARD_ON_FAILURE in their place");
      t.same(sent.empty_response!.rewards, [MINIMUM_REWARD], `${generation}: empty: the minimum`);
    }
    // The same texts, sent whole or one by one, get the same rewards.
    for (const [name, result] of Object.entries(summary.generation1)) {
      t.same(summary.generation2[name]!.rewards, result.rewards, `${name}: generations agree`);
    }
  },
);
