import t from "tap";
import {
  choiceFieldOf,
  GUIDED_CHOICE_REMOVED_IN,
  parseVllmRelease,
  readsChoiceField,
  releaseAtLeast,
  STRUCTURED_OUTPUTS_SINCE,
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

t.test("around vLLM's first release, and with spaces around", async (t) => {
  t.same(parseVllmRelease("0.1.0"), { major: 0, minor: 1, patch: 0 }, "the first release");
  t.same(parseVllmRelease("0.1"), { major: 0, minor: 1, patch: 0 });
  t.equal(parseVllmRelease("0.0.9"), null, "below it");
  t.same(
    parseVllmRelease(" 0.11.0\n"),
    { major: 0, minor: 11, patch: 0 },
    "a version file's newline",
  );
  t.same(
    parseVllmRelease("10.20.30"),
    { major: 10, minor: 20, patch: 30 },
    "numbers of many digits",
  );
  t.equal(parseVllmRelease("0"), null, "no minor");
  t.equal(parseVllmRelease("vv0.11.0"), null);
});

t.test("releaseAtLeast compares major, then minor, then patch", async (t) => {
  const floor = { major: 1, minor: 5, patch: 3 };
  for (const [major, minor, patch, atLeast] of [
    [1, 5, 3, true],
    [1, 5, 4, true],
    [1, 5, 2, false],
    [1, 6, 0, true],
    [1, 4, 9, false],
    [2, 0, 0, true],
    [0, 9, 9, false],
  ] as const) {
    t.equal(releaseAtLeast({ major, minor, patch }, floor), atLeast, `${major}.${minor}.${patch}`);
  }
});

t.test("the releases where the fields change", async (t) => {
  t.same(STRUCTURED_OUTPUTS_SINCE, { major: 0, minor: 11, patch: 0 });
  t.same(GUIDED_CHOICE_REMOVED_IN, { major: 0, minor: 12, patch: 0 });
});
