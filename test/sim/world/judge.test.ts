import t from "tap";
import { renderClaim } from "../../../sim/world/claims.ts";
import {
  decideSimVerdict,
  type JudgeParams,
  simVerdictReasoning,
  weighEvidence,
} from "../../../sim/world/judge.ts";
import { CLOSED_SKILLS } from "../../../sim/world/questions.ts";
import { DEFAULT_WORLD_KEY, type Scene } from "../../../sim/world/scene.ts";
import { type JudgeSkill, uniformSkills } from "../../../sim/world/skills.ts";
import { createRandom } from "../../../src/core/seeded-random.ts";
import {
  type ClosedSkill,
  closedPair,
  describedPair,
  sceneFor,
  worldImage,
} from "../../helpers/sim-world.ts";

/** One item: a question about a scene, and a pair differing in exactly one checkable claim. */
interface Item {
  question: string;
  scene: Scene;
  better: string;
  worse: string;
  skill: JudgeSkill | "describe";
}

function items(n: number, tag: string, skills: readonly ClosedSkill[] = CLOSED_SKILLS): Item[] {
  return Array.from({ length: n }, (_, i) => {
    const scene = sceneFor([worldImage(`${tag}-${i}`)], "");
    if (i % 4 === 3) {
      const pair = describedPair(scene, `${tag}-${i}`);
      return { question: "Describe the image.", scene, ...pair, skill: "describe" as const };
    }
    const skill = skills[i % skills.length]!;
    const pair = closedPair(scene, skill, `${tag}-${i}`);
    return { question: pair.question, scene, better: pair.better, worse: pair.worse, skill };
  });
}

const judge = (accuracy: number, positionBias: number, extra: Partial<JudgeParams> = {}) => ({
  skills: uniformSkills(accuracy),
  positionBias,
  lengthBias: 0,
  ...extra,
});

/** The judge's verdict with `item` in one order; true when it named the better response. */
function right(item: Item, params: JudgeParams, betterFirst: boolean, seed: string): boolean {
  const [slotA, slotB] = betterFirst ? [item.better, item.worse] : [item.worse, item.better];
  const input = {
    question: item.question,
    scene: item.scene,
    slotA,
    slotB,
    worldKey: DEFAULT_WORLD_KEY,
  };
  const verdict = decideSimVerdict(input, params, createRandom("judge-test", seed));
  return verdict.letter === (betterFirst ? "A" : "B");
}

const rate = (hits: boolean[]) => hits.filter(Boolean).length / hits.length;

const ITEMS = items(2000, "judge");

for (const { accuracy, positionBias } of [
  { accuracy: 0.8, positionBias: 0.3 },
  { accuracy: 0.9, positionBias: 0 },
  { accuracy: 0.65, positionBias: 0.2 },
]) {
  t.test(
    `accuracy ${accuracy}, position bias ${positionBias}: the formula and the AB/BA gap`,
    async (t) => {
      const params = judge(accuracy, positionBias);
      const first = ITEMS.filter((_, i) => i % 2 === 0).map((item, i) =>
        right(item, params, true, `f${i}`),
      );
      const second = ITEMS.filter((_, i) => i % 2 === 1).map((item, i) =>
        right(item, params, false, `s${i}`),
      );
      const overall = rate([...first, ...second]);
      // Standard errors at n = 2000: about 0.01 overall, 0.02 for the difference.
      const expected = positionBias / 2 + (1 - positionBias) * accuracy;
      t.ok(
        Math.abs(overall - expected) < 0.035,
        `right ${overall.toFixed(3)} vs ${expected.toFixed(3)}`,
      );
      const gap = rate(first) - rate(second);
      t.ok(Math.abs(gap - positionBias) < 0.07, `AB − BA ${gap.toFixed(3)} vs ${positionBias}`);
    },
  );
}

t.test("a judge without lapses names the same response in both orders", async (t) => {
  for (const params of [judge(0.7, 0), judge(0.55, 0, { lengthBias: 2 }), judge(0.2, 0)]) {
    const flips = ITEMS.slice(0, 600).filter((item, i) => {
      const ab = right(item, params, true, `o${i}`);
      const ba = right(item, params, false, `o${i}`);
      return ab !== ba;
    });
    t.equal(flips.length, 0, `skills ${params.skills.counting}: consistent on 600 items`);
  }
  const biased = judge(0.7, 0.4);
  const flips = ITEMS.slice(0, 600).filter(
    (item, i) => right(item, biased, true, `b${i}`) !== right(item, biased, false, `b${i}`),
  ).length;
  t.ok(flips > 100, `position bias 0.4 makes ${flips}/600 inconsistent`);
});

t.test("each skill's accuracy applies to its own claims only", async (t) => {
  const params = judge(0.5, 0, { skills: { ...uniformSkills(0.5), counting: 1, text: 0 } });
  const byskill = (skill: ClosedSkill) =>
    rate(
      items(300, `skill-${skill}`, [skill])
        .filter((item) => item.skill === skill)
        .map((item, i) => right(item, params, i % 2 === 0, `k${i}`)),
    );
  t.ok(byskill("counting") > 0.97, `counting at 1: ${byskill("counting")}`);
  t.ok(byskill("text") < 0.03, `text at 0 believes the opposite: ${byskill("text")}`);
  const attributes = byskill("attributes");
  t.ok(attributes > 0.4 && attributes < 0.6, `attributes at 0.5: ${attributes}`);
});

t.test("a judge with capacity 0.5 never exceeds its ceiling", async (t) => {
  const full = judge(1, 0);
  const limited = judge(1, 0, { capacity: uniformSkills(0.5) });
  const hits = ITEMS.map((item, i) => right(item, limited, i % 2 === 0, `c${i}`));
  // Reliability (2·1 − 1)·0.5: it checks half the items and guesses the rest: (1 + 0.5) / 2.
  t.ok(
    rate(hits) <= 0.75 + 0.03,
    `capacity 0.5: ${rate(hits).toFixed(3)} ≤ 0.75 (+ sampling slack)`,
  );
  t.ok(rate(hits) > 0.7, "and it does use what it has");
  t.ok(
    rate(ITEMS.map((item, i) => right(item, full, i % 2 === 0, `c${i}`))) > 0.99,
    "full capacity",
  );
  let notSubset = 0;
  for (const item of ITEMS.slice(0, 500)) {
    const input = {
      question: item.question,
      scene: item.scene,
      slotA: item.better,
      slotB: item.worse,
      worldKey: DEFAULT_WORLD_KEY,
    };
    const weak = weighEvidence(input, limited).seen.length;
    const strong = weighEvidence(input, full).seen.length;
    if (weak > strong) notSubset++;
  }
  t.equal(notSubset, 0, "what the limited judge checks, the full one checks too");
  const learnt = judge(1, 0, { skills: uniformSkills(0.99), capacity: uniformSkills(0.5) });
  t.ok(
    rate(ITEMS.map((item, i) => right(item, learnt, i % 2 === 0, `c${i}`))) <= 0.78,
    "more skill does not lift the ceiling",
  );
});

t.test("material claims are never checked; with no evidence the longer answer wins", async (t) => {
  const scene = ITEMS[0]!.scene;
  const object = scene.objects[2]!;
  const claim = { skill: "material" as const, subject: object.name, value: object.material };
  const trueText = `Simulated answer: ${renderClaim(claim)}`;
  const other = object.material === "glass" ? "stone" : "glass";
  const falseText = `Simulated answer: ${renderClaim({ ...claim, value: other })}`;
  const input = {
    question: "Describe the image.",
    scene,
    slotA: trueText,
    slotB: falseText,
    worldKey: DEFAULT_WORLD_KEY,
  };
  const weighed = weighEvidence(input, judge(1, 0));
  t.same(weighed.seen, []);
  t.same(weighed.unseen, [{ skill: "material", subject: object.name }]);
  t.equal(weighed.probabilityA, 0.5, "a perfect judge cannot tell");
  const longer = {
    ...input,
    slotB: `${falseText} It is a pleasant picture. The light is soft today.`,
  };
  t.ok(weighEvidence(longer, judge(1, 0, { lengthBias: 1 })).probabilityA < 0.4, "prefers longer");
  t.ok(
    weighEvidence(longer, judge(1, 0, { lengthBias: -1 })).probabilityA > 0.6,
    "prefers shorter",
  );
  t.equal(weighEvidence(longer, judge(1, 0)).probabilityA, 0.5, "no length bias");
});

t.test("the reasoning names what was checked and ends in the verdict", async (t) => {
  const item = ITEMS.find((i) => i.skill === "counting")!;
  const input = {
    question: item.question,
    scene: item.scene,
    slotA: item.worse,
    slotB: item.better,
    worldKey: DEFAULT_WORLD_KEY,
  };
  const verdict = decideSimVerdict(input, judge(1, 0), createRandom("reasoning"));
  t.equal(verdict.letter, "B");
  t.ok(verdict.confidence >= 0.5 && verdict.confidence <= 0.98);
  const text = simVerdictReasoning(verdict, item.worse, item.better);
  t.match(
    text,
    /On the counting of answer: Assistant A says "\d+" \(does not match the image\); Assistant B says "\d+" \(matches the image\)/,
  );
  t.match(text.split("\n").at(-1)!, /^\[\[B\]\]$/);
  const lapse = decideSimVerdict(input, judge(1, 1), createRandom("reasoning"));
  t.equal(lapse.letter, "A");
  t.ok(lapse.positionLapse);
});
