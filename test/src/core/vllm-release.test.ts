import t from "tap";
import {
  choiceFieldOf,
  parseVllmRelease,
  readsChoiceField,
} from "../../../src/core/vllm-release.ts";

/**
 * The one rule of which vLLM release reads which constrained-choice field: `guided_choice`
 * until 0.12.0 removed it (vLLM PR #29326), `structured_outputs` from 0.11.0 (0.10.2 has no
 * `StructuredOutputsParams`: TRL PR #5423 fixes that ImportError on vllm 0.10.2).
 */

const release = (text: string) => parseVllmRelease(text)!;

t.test("release strings as vLLM and its builds write them", async (t) => {
  t.same(parseVllmRelease("0.11.0"), { major: 0, minor: 11, patch: 0 });
  t.same(parseVllmRelease("0.10.1.1"), { major: 0, minor: 10, patch: 1 });
  t.same(parseVllmRelease("v0.12.0"), { major: 0, minor: 12, patch: 0 });
  t.same(parseVllmRelease("0.11.1rc2.dev5+g1a2b3c"), { major: 0, minor: 11, patch: 1 });
  t.same(parseVllmRelease("1.0"), { major: 1, minor: 0, patch: 0 });
  t.same(parseVllmRelease("0.12.0rc1"), { major: 0, minor: 12, patch: 0 });
  t.same(parseVllmRelease("0.11.1.dev12+g1a2b3c4"), { major: 0, minor: 11, patch: 1 });
  for (const notARelease of ["dev", "0.0.0+jurist.sim", "", "x1.2.3", null, undefined, 11]) {
    t.equal(parseVllmRelease(notARelease), null, String(notARelease));
  }
});

t.test("which release reads which field", async (t) => {
  const table = [
    ["0.6.3", true, false],
    ["0.10.1", true, false],
    ["0.10.2", true, false],
    ["0.11.0", true, true],
    ["0.11.2", true, true],
    ["0.12.0", false, true],
    ["1.2.0", false, true],
  ] as const;
  for (const [version, guided, structured] of table) {
    t.equal(readsChoiceField(release(version), "guided_choice"), guided, `${version} guided`);
    t.equal(readsChoiceField(release(version), "structured_outputs"), structured, `${version} so`);
    t.equal(choiceFieldOf(release(version)), structured ? "structured_outputs" : "guided_choice");
  }
});
