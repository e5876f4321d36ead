import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { settingsOf } from "../../../src/config/setting.ts";
import { AREAS, SETTINGS } from "../../../src/config/settings.ts";

t.test("every setting: a variable in the project's style, once, with a one-line doc", async (t) => {
  const names = SETTINGS.map((setting) => setting.env);
  t.same(names.length, new Set(names).size, "no variable declared twice");
  for (const setting of SETTINGS) {
    t.match(setting.env, /^(JURIST_[A-Z0-9_]+|HOST|PORT|GRPC_PORT|REDIS_URL)$/, setting.env);
    t.ok(setting.doc.trim().length > 0 && !setting.doc.includes("\n"), `${setting.env}: one line`);
    t.ok(setting.shownDefault.length > 0, `${setting.env}: a default to show`);
  }
});

t.test("every area holds settings and says what it is about", async (t) => {
  for (const area of AREAS) {
    t.ok(settingsOf(area.tree).length > 0, area.title);
    t.ok(area.summary.length > 0, `${area.title}: a summary`);
  }
});

t.test("a setting left unset takes its declared default", async (t) => {
  const config = loadConfig({});
  t.equal(config.trainer.consumer.length > 0, true, "the host name");
  t.equal(config.gates.configured, false);
  t.ok(config.gates.policy.length > 0, "the default policy");
  const configured = loadConfig({
    JURIST_GATES: JSON.stringify([
      { name: "agree", metric: "shadow_agreement", rule: "minimum", threshold: 0.9 },
    ]),
  });
  t.equal(configured.gates.configured, true, "derived from the same variable");
  t.same(
    configured.gates.policy.map((gate) => gate.name),
    ["agree"],
  );
});
