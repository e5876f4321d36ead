import t from "tap";
import { choiceFieldFor, parseVllmVersion } from "../../../src/engine/vllm-version.ts";

t.test("vLLM version strings, setuptools-scm builds included", async (t) => {
  t.same(parseVllmVersion("0.11.0"), { major: 0, minor: 11, patch: 0 });
  t.same(parseVllmVersion("0.10.1.1"), { major: 0, minor: 10, patch: 1 });
  t.same(parseVllmVersion("0.11.1.dev12+g1a2b3c4"), { major: 0, minor: 11, patch: 1 });
  t.same(parseVllmVersion("0.12.0rc1"), { major: 0, minor: 12, patch: 0 });
  t.equal(parseVllmVersion("dev"), null, "vLLM's fallback when its version file is missing");
  t.equal(parseVllmVersion("0.0.0+jurist.sim"), null, "below vLLM's first release");
  t.equal(parseVllmVersion(undefined), null);
});

t.test("auto: guided_choice below 0.11.0, structured_outputs from it", async (t) => {
  const field = (text: string) => choiceFieldFor("auto", parseVllmVersion(text));
  t.equal(field("0.9.2"), "guided_choice");
  t.equal(field("0.10.1.1"), "guided_choice");
  t.equal(field("0.10.2"), "guided_choice", "guided_choice is certain to exist there");
  t.equal(field("0.11.0"), "structured_outputs");
  t.equal(field("0.12.0"), "structured_outputs", "guided_choice was removed in 0.12.0");
  t.equal(field("1.0.0"), "structured_outputs");
  t.equal(field("dev"), "structured_outputs", "unreadable: what current releases have");
});

t.test("an explicit setting overrides the version", async (t) => {
  t.equal(choiceFieldFor("guided_choice", parseVllmVersion("0.12.0")), "guided_choice");
  t.equal(choiceFieldFor("structured_outputs", parseVllmVersion("0.9.0")), "structured_outputs");
});
