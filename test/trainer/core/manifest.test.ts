import t from "tap";
import { createManifest, STAGES } from "../../../trainer/core/manifest.ts";
import { classifyQuestion } from "../../../trainer/core/question-classifier.ts";

t.test("counts per stage and kind, retention per question type", async (t) => {
  const manifest = createManifest({ iteration: 1, templateVersion: "pairwise-v1" });
  manifest.count("intake", undefined, 10);
  manifest.count("uncontaminated", undefined, 9);
  manifest.count("train_split", undefined, 8);
  manifest.count("prompts", "closed", 5);
  manifest.count("prompts", "open", 3);
  manifest.count("pairs", "closed", 2);
  manifest.count("pairs", "open", 3);
  manifest.count("judged", "closed", 2);
  manifest.count("judged", "open", 3);
  manifest.count("kept", "closed", 1);
  manifest.count("kept", "open", 3);
  manifest.count("examples", "closed", 2);
  manifest.count("examples", "open", 6);
  const report = manifest.toJSON();
  t.same(Object.keys(report.stages), [...STAGES]);
  t.same(report.stages.prompts, { total: 8, closed: 5, open: 3 });
  t.same(report.stages.intake, { total: 10, closed: 0, open: 0 });
  t.same(report.retention.closed, {
    pairsPerPrompt: 0.4,
    judgedPerPair: 1,
    keptPerJudged: 0.5,
    examplesPerKept: 2,
    keptPerPrompt: 0.2,
  });
  t.equal(report.retention.open.keptPerPrompt, 1);
  t.equal(report.retention.total.keptPerPrompt, 0.5);
  t.same(report.meta, { iteration: 1, templateVersion: "pairwise-v1" });
});

t.test("rates with nothing to divide by are null, never 0", async (t) => {
  const report = createManifest().toJSON();
  t.equal(report.retention.open.pairsPerPrompt, null);
  t.equal(report.retention.total.keptPerPrompt, null);
});

t.test("skip reasons by stage, and classification rules", async (t) => {
  const manifest = createManifest();
  manifest.skip("synthesis", "tie", "closed");
  manifest.skip("synthesis", "tie", "closed", 2);
  manifest.skip("synthesis", "length_mismatch", "open");
  manifest.skip("contamination", "image", undefined, 4);
  manifest.classified(classifyQuestion("How many cups?"));
  manifest.classified(classifyQuestion("How much is it?"));
  manifest.classified(classifyQuestion("Describe it."));
  const report = manifest.toJSON();
  t.same(report.skips, {
    synthesis: {
      tie: { total: 3, closed: 3, open: 0 },
      length_mismatch: { total: 1, closed: 0, open: 1 },
    },
    contamination: { image: { total: 4, closed: 0, open: 0 } },
  });
  t.same(report.rules, { closed: { number: 2 }, open: { long_answer: 1 } });
});

t.test("a snapshot is plain JSON and does not change afterwards", async (t) => {
  const meta = { seed: 7, options: { minVotes: 5 } };
  const manifest = createManifest(meta);
  manifest.count("prompts", "open");
  const snapshot = manifest.toJSON();
  manifest.count("prompts", "open");
  manifest.skip("filter", "wrong_verdict", "open");
  meta.options.minVotes = 9;
  t.equal(snapshot.stages.prompts.open, 1);
  t.same(snapshot.skips, {});
  t.same(snapshot.meta, { seed: 7, options: { minVotes: 5 } });
  t.same(JSON.parse(JSON.stringify(snapshot)), snapshot);
  t.equal(manifest.toJSON().stages.prompts.open, 2);
});
