import t from "tap";
import { LOOP_TURN_BYTES, loopPacer, turnQueue } from "../../../src/engine/loop-pacer.ts";

/**
 * A turn of the event loop is what lets a probe or another request in between pieces of
 * synchronous work. The tests watch for one with `setImmediate`: a callback queued before (or
 * during) the work runs only when the loop turns.
 */

/** Whether a loop turn queued now has run by the time `work` resolves. */
async function turnedDuring(work: () => Promise<unknown>): Promise<boolean> {
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  await work();
  return turned;
}

t.test("a pacer lets the loop turn once enough work was done, not before", async (t) => {
  const pacer = loopPacer();
  t.equal(await turnedDuring(() => pacer.worked(LOOP_TURN_BYTES / 2)), false, "half: no turn");
  t.equal(await turnedDuring(() => pacer.worked(LOOP_TURN_BYTES / 2)), true, "enough: a turn");
  t.equal(await turnedDuring(() => pacer.worked(1)), false, "counted afresh after the turn");
});

t.test("a turn queue gives each caller a loop turn of its own", async (t) => {
  // Two callers at once, as two large bodies that finished arriving together: the second's
  // work waits for a turn after the first's, so what the first let in (here a probe queued
  // during its work; in the gateway a health probe's I/O) runs between them.
  const queue = turnQueue();
  const events: string[] = [];
  await Promise.all([
    queue.next().then(() => {
      events.push("first");
      setImmediate(() => events.push("probe"));
    }),
    queue.next().then(() => events.push("second")),
  ]);
  t.same(events, ["first", "probe", "second"]);
});
