/**
 * The request bodies the OpenAPI document shows, and `/docs`' "Try it out" sends. Each is a
 * valid request (test/src/http/openapi-examples.test.ts sends every one): without them Swagger
 * UI made up `"string"` for every field, which pinned a checkpoint named "string" (404) and
 * failed the image URL pattern. No `checkpoint`: the champion judges, whatever it is called.
 */

/** A 1×1 PNG: the smallest image every check accepts. */
const PIXEL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4YaMBAAL8AS3/gzpXAAAAAElFTkSuQmCC";

const pairwise = {
  question: "How many cats are on the sofa?",
  images: [{ url: PIXEL }],
  responses: ["There are two cats on the sofa.", "There is one dog on the sofa."],
  mode: "reasoned",
};

export const judgeExamples = {
  pairwise,
  batch: {
    items: [
      pairwise,
      { ...pairwise, question: "What colour is the sofa?", responses: ["Red.", "Blue."] },
    ],
  },
};

export const rewardExamples = {
  reward: {
    question: "How many cats are on the sofa?",
    images: [{ url: PIXEL }],
    candidates: ["Two cats.", "One dog.", "Three cats and a dog."],
    reference: "There are two cats on the sofa.",
  },
  openRlhf: {
    query: ["How many cats are on the sofa? There are two cats on the sofa."],
    prompts: ["How many cats are on the sofa? "],
    labels: ["Two cats."],
  },
};

export const adminExamples = {
  register: {
    id: "judge-lora-3",
    kind: "lora",
    base_model: "jurist-sim-judge",
    uri: "/models/judge-lora-3",
  },
  promote: { checkpoint: "judge-lora-3" },
  rollback: {},
};
