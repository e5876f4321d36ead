import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";

t.test("JURIST_REWARD_ON_FAILURE: null or a finite number, nothing else", async (t) => {
  t.equal(loadConfig({}).reward.failureReward, null, "null unless set");
  t.equal(loadConfig({ JURIST_REWARD_ON_FAILURE: "null" }).reward.failureReward, null);
  t.equal(loadConfig({ JURIST_REWARD_ON_FAILURE: "0" }).reward.failureReward, 0);
  t.equal(loadConfig({ JURIST_REWARD_ON_FAILURE: "-9.21" }).reward.failureReward, -9.21);
  t.equal(loadConfig({ JURIST_REWARD_ON_FAILURE: "" }).reward.failureReward, null, "empty: unset");
  for (const bad of [" ", "none", "NaN", "Infinity", "1e999"]) {
    t.throws(() => loadConfig({ JURIST_REWARD_ON_FAILURE: bad }), /JURIST_REWARD_ON_FAILURE/, bad);
  }
});

t.test("JURIST_REWARD_POLICY_TEMPLATE=custom needs its markers, given as JSON", async (t) => {
  t.throws(
    () => loadConfig({ JURIST_REWARD_POLICY_TEMPLATE: "custom" }),
    /JURIST_REWARD_POLICY_TEMPLATE=custom needs JURIST_REWARD_POLICY_MARKERS/,
  );
  const markers = {
    turnStart: "<|turn|>",
    headerEnd: ":",
    turnEnd: "<|/turn|>",
    assistantRole: "bot",
    stopTokens: ["</s>"],
  };
  const config = loadConfig({
    JURIST_REWARD_POLICY_TEMPLATE: "custom",
    JURIST_REWARD_POLICY_MARKERS: JSON.stringify(markers),
  });
  t.same(config.reward.policyMarkers, { name: "custom", ...markers, dropTokens: [], images: [] });
  t.throws(
    () => loadConfig({ JURIST_REWARD_POLICY_MARKERS: JSON.stringify({ ...markers, turnEnd: "" }) }),
    /JURIST_REWARD_POLICY_MARKERS/,
    "an empty marker would match everywhere",
  );
  t.throws(
    () => loadConfig({ JURIST_REWARD_POLICY_MARKERS: JSON.stringify({ ...markers, eos: "x" }) }),
    /JURIST_REWARD_POLICY_MARKERS/,
    "a misspelt key is refused, not ignored",
  );
  t.throws(() => loadConfig({ JURIST_REWARD_POLICY_TEMPLATE: "mistral" }), /POLICY_TEMPLATE/);
  const reasoning = { start: "<reason>", end: "</reason>" };
  const thinking = loadConfig({
    JURIST_REWARD_POLICY_MARKERS: JSON.stringify({ ...markers, reasoning }),
  });
  t.same(thinking.reward.policyMarkers?.reasoning, reasoning, "a thinking block of its own");
  t.throws(
    () =>
      loadConfig({
        JURIST_REWARD_POLICY_MARKERS: JSON.stringify({ ...markers, reasoning: { start: "<r>" } }),
      }),
    /JURIST_REWARD_POLICY_MARKERS/,
    "a reasoning block needs both ends",
  );
});
