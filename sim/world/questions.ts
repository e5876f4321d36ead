import type { Random } from "../../src/core/seeded-random.ts";
import { sameAnswer } from "./claims.ts";
import { RELATIONS, type Scene } from "./scene.ts";
import { COLOURS, pluralOf, SIGN_WORDS } from "./scene-vocabulary.ts";
import type { JudgeSkill } from "./skills.ts";

/**
 * The questions of the simulated world: each closed question exercises one skill and has a
 * gold answer the scene settles; open questions ask for a description (claims of several
 * skills); safety requests should be refused. Everyone reads a question's skill and gold
 * answer from its words and the scene, with these functions.
 */

/** Skills the pipeline's closed questions exercise (it never synthesizes safety questions). */
export const CLOSED_SKILLS = [
  "counting",
  "attributes",
  "spatial",
  "text",
  "existence",
  "reasoning",
] as const satisfies readonly JudgeSkill[];

/** Four option lines "A. x B. y C. z D. w" holding `right` at a seeded place. */
function options(rng: Random, right: string, pool: readonly string[]): string {
  const others = pool.filter((v) => v !== right);
  const picked: string[] = [];
  while (picked.length < 3) {
    const v = others.splice(rng.int(others.length), 1)[0]!;
    picked.push(v);
  }
  picked.splice(rng.int(4), 0, right);
  return picked.map((v, i) => `${"ABCD"[i]}. ${v}`).join(" ");
}

/** A closed question of `skill` about the scene, in the words the world recognises. */
export function closedQuestion(
  skill: (typeof CLOSED_SKILLS)[number],
  scene: Scene,
  rng: Random,
): string {
  const [a, b] = scene.objects as [Scene["objects"][0], Scene["objects"][0]];
  const some = rng.pick(scene.objects);
  switch (skill) {
    case "counting":
      return `How many ${pluralOf(some.name)} are in the picture? Answer with a number.`;
    case "attributes":
      return `What colour are the ${pluralOf(some.name)}? ${options(rng, some.colour, COLOURS)} Answer with the option letter.`;
    case "spatial": {
      const relation = rng.chance(0.5)
        ? scene.relation
        : rng.pick(RELATIONS.filter((r) => r !== scene.relation));
      return `Are the ${pluralOf(a.name)} ${relation} the ${b.name}? Answer yes or no.`;
    }
    case "text":
      return `What does the sign in the picture say? ${options(rng, scene.sign, SIGN_WORDS)} Answer with the option letter.`;
    case "existence": {
      const name = rng.chance(0.5) ? some.name : rng.pick(scene.absent);
      return `Is there a ${name} in the image? Answer yes or no.`;
    }
    case "reasoning":
      return `How many ${pluralOf(a.name)} and ${pluralOf(b.name)} are there altogether? Answer with a number.`;
  }
}

const SKILL_CUES: ReadonlyArray<[JudgeSkill, RegExp]> = [
  ["safety", /\b(insult|insulting|criminal|mock|demean)/i],
  ["reasoning", /\b(altogether|in total|would remain|left the picture)\b/i],
  ["counting", /\bhow many\b|\bcount the\b/i],
  ["text", /\bsign\b/i],
  ["attributes", /\b(what|which) colou?r\b/i],
  ["existence", /\b(is there|can you see) an? \w+ (anywhere )?in the (image|picture)\b/i],
  ["spatial", new RegExp(`\\b(${RELATIONS.join("|")})\\b`, "i")],
];

/** The skill a question exercises; null for an open (description) question. */
export function questionSkill(question: string): JudgeSkill | null {
  const text = question.trim();
  for (const [skill, cue] of SKILL_CUES) if (cue.test(text)) return skill;
  return null;
}

const NOUN_OF = (scene: Scene, word: string) =>
  [...scene.objects.map((o) => o.name), ...scene.absent].find(
    (name) => word === name || word === pluralOf(name),
  );

function countOf(scene: Scene, word: string | undefined): number {
  const name = word ? NOUN_OF(scene, word.toLowerCase()) : undefined;
  return scene.objects.find((o) => o.name === name)?.count ?? 0;
}

function optionWith(question: string, value: string): string | null {
  const match = new RegExp(`\\b([A-D])\\. ${value}\\b`, "i").exec(question);
  return match ? match[1]! : null;
}

/**
 * The gold answer of a closed question about `scene`: a number, an option letter, "yes" or
 * "no"; null for an open question or one the scene does not settle.
 */
export function goldAnswer(question: string, scene: Scene): string | null {
  const skill = questionSkill(question);
  switch (skill) {
    case "counting":
      return String(countOf(scene, /(?:how many|count the) (\w+)/i.exec(question)?.[1]));
    case "reasoning": {
      if (/would remain/i.test(question)) {
        const of = /of the (\w+)/i.exec(question)?.[1];
        return String(Math.max(0, countOf(scene, of) - 2));
      }
      const pair = /many (\w+) and (?:the )?(\w+)/i.exec(question);
      return pair ? String(countOf(scene, pair[1]) + countOf(scene, pair[2])) : null;
    }
    case "attributes": {
      const noun = /colou?r (?:are|is) the (\w+)/i.exec(question)?.[1];
      const name = noun ? NOUN_OF(scene, noun.toLowerCase()) : undefined;
      const object = scene.objects.find((o) => o.name === name);
      return object ? optionWith(question, object.colour) : null;
    }
    case "text":
      return optionWith(question, scene.sign);
    case "existence": {
      const noun = /(?:is there|can you see) an? (\w+)/i.exec(question)?.[1];
      return noun && scene.objects.some((o) => o.name === noun.toLowerCase()) ? "yes" : "no";
    }
    case "spatial": {
      const [a, b] = scene.objects as [Scene["objects"][0], Scene["objects"][0]];
      const asked = new RegExp(`the ${pluralOf(a.name)} (.+?) the ${b.name}\\b`, "i").exec(
        question,
      )?.[1];
      if (!asked) return null;
      return sameAnswer(asked, scene.relation) ? "yes" : "no";
    }
    default:
      return null;
  }
}
