/** The logistic link the judge, the learner and the generator's difficulty all use. */

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** A probability kept off 0 and 1, so its logit stays finite. */
export const clampP = (p: number, margin = 0.005) => Math.min(1 - margin, Math.max(margin, p));

/** logit of a probability, clamped first. */
export const logit = (p: number, margin = 0.005) => {
  const q = clampP(p, margin);
  return Math.log(q / (1 - q));
};
