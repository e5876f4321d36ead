/**
 * The skills a simulated question exercises and a simulated judge checks claims with. A judge
 * has one parameter per skill; `material` is a kind of fact the world holds and responses
 * state but no judge can check (so an error there is invisible to it).
 */
export const JUDGE_SKILLS = [
  "counting",
  "attributes",
  "spatial",
  "text",
  "existence",
  "reasoning",
  "safety",
] as const;

export type JudgeSkill = (typeof JUDGE_SKILLS)[number];

/** Every kind of claim a response can make: the judge's skills and the uncheckable `material`. */
export type ClaimSkill = JudgeSkill | "material";

export function isJudgeSkill(skill: string): skill is JudgeSkill {
  return (JUDGE_SKILLS as readonly string[]).includes(skill);
}

/** A value for every judge skill. */
export type SkillTable = Record<JudgeSkill, number>;

/** The same value for every skill. */
export function uniformSkills(value: number): SkillTable {
  return Object.fromEntries(JUDGE_SKILLS.map((skill) => [skill, value])) as SkillTable;
}
