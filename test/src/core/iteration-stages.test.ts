import t from "tap";
import { ITERATION_STAGES } from "../../../src/core/iteration-stages.ts";

t.test(
  "an iteration's stages, named as the metrics label them, in the order they run",
  async (t) => {
    t.same(ITERATION_STAGES, [
      "intake",
      "classify",
      "synthesize",
      "judge",
      "dataset",
      "fine-tune",
      "register",
    ]);
  },
);
