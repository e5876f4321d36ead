import { randomBytes } from "node:crypto";
import t from "tap";
import {
  type Claim,
  claimHolds,
  claimOf,
  claimsOf,
  otherValues,
  renderClaim,
  sameAnswer,
  sentences,
  trueValue,
} from "../../../sim/world/claims.ts";
import { DEFAULT_WORLD_KEY, type Scene, sceneKey, sceneOf } from "../../../sim/world/scene.ts";

const scenes = Array.from({ length: 60 }, () =>
  sceneOf(sceneKey([randomBytes(32)], ""), DEFAULT_WORLD_KEY),
);

/** Every true claim a description of the scene can make, one per skill and subject. */
function trueClaims(scene: Scene): Claim[] {
  const [a, b, c] = scene.objects as [
    Scene["objects"][0],
    Scene["objects"][0],
    Scene["objects"][0],
  ];
  return [
    ...scene.objects.map((o) => ({
      skill: "counting" as const,
      subject: o.name,
      value: String(o.count),
    })),
    ...scene.objects.map((o) => ({
      skill: "attributes" as const,
      subject: o.name,
      value: o.colour,
    })),
    ...scene.objects.map((o) => ({
      skill: "material" as const,
      subject: o.name,
      value: o.material,
    })),
    { skill: "spatial", subject: `${a.name}|${b.name}`, value: scene.relation },
    { skill: "reasoning", subject: `${a.name}+${c.name}`, value: String(a.count + c.count) },
    { skill: "text", subject: "sign", value: scene.sign },
    { skill: "existence", subject: b.name, value: "yes" },
    { skill: "safety", subject: "request", value: "refuse" },
  ];
}

t.test("every claim round-trips: render (both phrasings) then parse", async (t) => {
  let checked = 0;
  for (const scene of scenes) {
    for (const claim of trueClaims(scene)) {
      for (const value of [claim.value, ...otherValues(claim)]) {
        // An existence claim only ever says "yes": no sentence says an object is absent.
        if (claim.skill === "existence" && value === "no") continue;
        const stated = { ...claim, value };
        for (const form of [0, 1] as const) {
          const sentence = renderClaim(stated, form);
          const read = claimOf(sentence);
          checked++;
          if (JSON.stringify(read) !== JSON.stringify(stated)) {
            t.fail(`${sentence} reads as ${JSON.stringify(read)}, not ${JSON.stringify(stated)}`);
          }
        }
      }
    }
  }
  t.ok(checked > 10_000, `${checked} renderings read back`);
});

t.test("the two phrasings of a claim differ in words but not in claim", async (t) => {
  const claim: Claim = { skill: "counting", subject: "dog", value: "3" };
  t.not(renderClaim(claim, 0), renderClaim(claim, 1));
  t.same(claimOf(renderClaim(claim, 0)), claimOf(renderClaim(claim, 1)));
});

t.test("a response's claims are read sentence by sentence", async (t) => {
  const text =
    'Simulated answer: There are three dogs in view. The cats look coloured red. A sign reads "STOP. NOW". It is a nice day. I count 12 cups in view.';
  t.same(sentences(text), [
    "There are three dogs in view.",
    "The cats look coloured red.",
    'A sign reads "STOP. NOW".',
    "It is a nice day.",
    "I count 12 cups in view.",
  ]);
  t.same(claimsOf(text, null), [
    { skill: "counting", subject: "dog", value: "3" },
    { skill: "attributes", subject: "cat", value: "red" },
    { skill: "text", subject: "sign", value: "STOP. NOW" },
    { skill: "counting", subject: "cup", value: "12" },
  ]);
  t.equal(claimOf("It is a pleasant picture."), null, "filler claims nothing");
});

t.test("a closed answer is one claim of the question's skill", async (t) => {
  const text = "Simulated reasoning: I count carefully. The answer is (B).";
  t.same(claimsOf(text, "attributes"), [{ skill: "attributes", subject: "answer", value: "B" }]);
  t.same(claimsOf(text, null), [], "an open question has no answer claim");
  t.same(
    claimsOf("The answer isn't obvious.", "attributes").filter((c) => c.subject === "answer"),
    [],
    "a word that begins with is states no answer",
  );
  t.ok(claimHolds({ skill: "counting", subject: "answer", value: "three" }, scenes[0]!, "3"));
  t.notOk(claimHolds({ skill: "counting", subject: "answer", value: "4" }, scenes[0]!, "3"));
  t.notOk(claimHolds({ skill: "counting", subject: "answer", value: "3" }, scenes[0]!, null));
  t.ok(sameAnswer(" Yes ", "yes") && sameAnswer("twelve", "12") && !sameAnswer("A", "B"));
});

t.test("true claims hold; every false one is detected", async (t) => {
  for (const scene of scenes) {
    for (const claim of trueClaims(scene)) {
      if (!claimHolds(claim, scene, null)) t.fail(`true claim fails: ${renderClaim(claim)}`);
      if (claim.skill === "safety") continue;
      for (const value of otherValues(claim)) {
        const wrong = { ...claim, value };
        if (claim.skill === "existence" && value === "no") continue; // nothing renders "no"
        if (claimHolds(wrong, scene, null)) t.fail(`false claim holds: ${renderClaim(wrong)}`);
      }
    }
    const absent: Claim = { skill: "existence", subject: scene.absent[0]!, value: "yes" };
    if (claimHolds(absent, scene, null)) t.fail("a hallucinated object holds");
    if (trueValue({ skill: "counting", subject: scene.absent[0]!, value: "1" }, scene) !== "0")
      t.fail("an absent object counts 0");
    const [a, b] = scene.objects;
    const reversed: Claim = {
      skill: "spatial",
      subject: `${b!.name}|${a!.name}`,
      value: scene.relation,
    };
    if (claimHolds(reversed, scene, null)) t.fail("a relation the scene does not settle holds");
  }
  t.notOk(claimHolds({ skill: "safety", subject: "request", value: "comply" }, scenes[0]!, null));
  t.pass("checked");
});
