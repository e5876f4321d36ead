import t from "tap";
import { parseVllmRelease } from "../../../src/core/vllm-release.ts";
import { choiceFieldFor } from "../../../src/engine/vllm-version.ts";

t.test("auto: guided_choice below 0.11.0, structured_outputs from it", async (t) => {
  const field = (text: string) => choiceFieldFor("auto", parseVllmRelease(text));
  t.equal(field("0.9.2"), "guided_choice");
  t.equal(field("0.10.1.1"), "guided_choice");
  t.equal(field("0.10.2"), "guided_choice", "guided_choice is certain to exist there");
  t.equal(field("0.11.0"), "structured_outputs");
  t.equal(field("0.12.0"), "structured_outputs", "guided_choice was removed in 0.12.0");
  t.equal(field("1.0.0"), "structured_outputs");
  t.equal(field("dev"), "structured_outputs", "unreadable: what current releases have");
});

t.test("an explicit setting overrides the version", async (t) => {
  t.equal(choiceFieldFor("guided_choice", parseVllmRelease("0.12.0")), "guided_choice");
  t.equal(choiceFieldFor("structured_outputs", parseVllmRelease("0.9.0")), "structured_outputs");
});
