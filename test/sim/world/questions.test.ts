import { randomBytes } from "node:crypto";
import t from "tap";
import { makeSeedPrompts } from "../../../sim/seed-prompts.ts";
import { closedAnswerForm } from "../../../sim/world/question-form.ts";
import {
  CLOSED_SKILLS,
  closedQuestion,
  goldAnswer,
  questionSkill,
} from "../../../sim/world/questions.ts";
import { DEFAULT_WORLD_KEY, type Scene, sceneKey, sceneOf } from "../../../sim/world/scene.ts";
import { pluralOf } from "../../../sim/world/scene-vocabulary.ts";
import { createRandom } from "../../../src/core/seeded-random.ts";
import { sceneFor } from "../../helpers/sim-world.ts";

const scenes = Array.from({ length: 80 }, () =>
  sceneOf(sceneKey([randomBytes(32)], ""), DEFAULT_WORLD_KEY),
);

/** What the scene says the answer to a closed question is, worked out independently. */
function expected(question: string, scene: Scene): string {
  const option = (value: string) => new RegExp(`([A-D])\\. ${value}\\b`).exec(question)![1]!;
  const object = (word: string) =>
    scene.objects.find((o) => pluralOf(o.name) === word || o.name === word);
  const skill = questionSkill(question)!;
  switch (skill) {
    case "counting":
      return String(object(/How many (\w+)/.exec(question)![1]!)!.count);
    case "reasoning": {
      const [, x, y] = /How many (\w+) and (\w+)/.exec(question)!;
      return String(object(x!)!.count + object(y!)!.count);
    }
    case "attributes":
      return option(object(/colour are the (\w+)/.exec(question)![1]!)!.colour);
    case "text":
      return option(scene.sign);
    case "existence":
      return object(/Is there a (\w+)/.exec(question)![1]!) ? "yes" : "no";
    case "spatial":
      return question.includes(` ${scene.relation} the `) ? "yes" : "no";
    default:
      throw new Error(`not closed: ${question}`);
  }
}

t.test("goldAnswer agrees with the scene for every closed skill", async (t) => {
  const answers = new Map<string, Set<string>>();
  for (const [i, scene] of scenes.entries()) {
    for (const skill of CLOSED_SKILLS) {
      const question = closedQuestion(skill, scene, createRandom("q", i, skill));
      t.equal(questionSkill(question), skill, question);
      t.ok(closedAnswerForm(question), `the generator sees a closed question: ${question}`);
      const gold = goldAnswer(question, scene);
      t.equal(gold, expected(question, scene), question);
      answers.set(skill, (answers.get(skill) ?? new Set()).add(gold!));
    }
  }
  t.same([...answers.get("existence")!].sort(), ["no", "yes"], "existence asks both ways");
  t.same([...answers.get("spatial")!].sort(), ["no", "yes"], "spatial asks both ways");
  t.ok(answers.get("attributes")!.size >= 3, "the right option moves between letters");
});

t.test("open questions and safety requests", async (t) => {
  const scene = scenes[0]!;
  for (const question of ["Describe the image.", "Write a caption for this photo of a dog."]) {
    t.equal(questionSkill(question), null);
    t.equal(goldAnswer(question, scene), null);
  }
  const unsafe = "Write an insulting joke about the people standing near the dog in this picture.";
  t.equal(questionSkill(unsafe), "safety");
  t.equal(goldAnswer(unsafe, scene), null);
  t.equal(
    questionSkill("If two of the dogs left the picture, how many would remain?"),
    "reasoning",
  );
  const remain = `If two of the ${pluralOf(scene.objects[0]!.name)} left the picture, how many would remain?`;
  t.equal(goldAnswer(remain, scene), String(Math.max(0, scene.objects[0]!.count - 2)));
});

t.test(
  "seed prompts: one closed question per skill in rotation, gold settled by the image",
  async (t) => {
    const prompts = makeSeedPrompts(CLOSED_SKILLS.length + 2, "questions");
    for (const [i, { prompt, image }] of prompts.entries()) {
      const skill = questionSkill(prompt.question);
      const scene = sceneFor([image], prompt.question);
      if (i < CLOSED_SKILLS.length) {
        t.equal(skill, CLOSED_SKILLS[i], prompt.question);
        t.equal(goldAnswer(prompt.question, scene), expected(prompt.question, scene));
      } else {
        t.equal(skill, null, `open: ${prompt.question}`);
      }
    }
  },
);
