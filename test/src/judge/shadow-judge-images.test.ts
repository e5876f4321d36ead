import pino from "pino";
import t from "tap";
import type { PairwiseTask } from "../../../src/core/types.ts";
import { createShadowJudge } from "../../../src/judge/shadow-judge.ts";
import { createMemoryShadowStats } from "../../../src/store/memory-shadow-stats.ts";

/**
 * A shadow verdict runs after the caller's response, for as long as a batch-class call waits.
 * An HTTP image is a slice of its request body (`http/body-data-uris.ts`): a shadow task that
 * kept the slice would keep the whole body (a `/v1/judge/batch` body can be 200 MB) alive,
 * outside the in-flight byte budget, for one item's image of a few hundred kilobytes.
 */
t.test("a shadow task keeps its images, not the request body they are slices of", async (t) => {
  const body = Buffer.alloc(4 * 1024 * 1024, 0x41);
  const uri = body.subarray(1000, 1000 + 64 * 1024);
  const stats = createMemoryShadowStats();
  await stats.setTarget("cand-1");
  const judged: PairwiseTask[] = [];
  const shadow = createShadowJudge({
    judge: {
      judge: async (task: PairwiseTask) => {
        judged.push(task);
        return { winner: "A", consistent: true, orders: [] };
      },
    } as never,
    stats,
    rate: 1,
    maxInFlight: 4,
    refreshMs: 60_000,
    logger: pino({ level: "silent" }),
  });
  t.teardown(() => shadow.close());
  await shadow.refresh();
  const task: PairwiseTask = {
    question: "q",
    images: [{ sha256: "a", mime: "image/png", dataUri: uri, byteLength: 1, originalDataUri: uri }],
    responses: ["a", "b"],
    mode: "fast",
    swap: true,
  };
  shadow.offer({ task, winner: "A", checkpoint: "champ" });
  await shadow.close();
  t.equal(judged.length, 1, "shadowed");
  const image = judged[0]!.images[0]!;
  const kept = image.dataUri as Uint8Array;
  t.same(Buffer.from(kept), Buffer.from(uri), "the same image");
  t.ok(kept.buffer.byteLength < body.length / 2, "not a view of the whole body");
  t.equal(image.originalDataUri, undefined, "the caller's copy is not judged: not kept");
  t.equal(task.images[0]!.dataUri, uri, "the caller's task is left as it was");
});
