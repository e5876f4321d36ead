import { setTimeout as sleep } from "node:timers/promises";
import type { Test } from "tap";
import type { PromptLog, PromptRecord } from "../../src/store/prompt-log.ts";

/** A record whose content hash is `content` (distinct content → distinct hash). */
export function promptRecord(index: number, content = `content-${index}`): PromptRecord {
  return {
    id: `col_${index}`,
    tenant: index % 2 === 0 ? "acme" : "globex",
    question: `How many apples? (${index}) “quoted” ✓`,
    imageHashes: index % 3 === 0 ? [] : ["a".repeat(64), "b".repeat(64)],
    responses: [`Three apples, ${index}.`, "Five\napples."],
    verdict:
      index % 4 === 0
        ? { winner: null, probabilityA: null, consistent: null }
        : { winner: "tie", probabilityA: 0.5, consistent: true },
    checkpoint: "judge-base",
    at: 1_700_000_000_000 + index,
    contentHash: content,
  };
}

/** Makes a fresh, empty log for one test. */
export type MakePromptLog = (t: Test, options: { maxLength: number }) => Promise<PromptLog>;

/** The assertions every PromptLog adapter must pass. */
export function promptLogContract(t: Test, make: MakePromptLog): void {
  t.test("tail returns the newest records, newest last, field for field", async (t) => {
    const log = await make(t, { maxLength: 100 });
    const records = Array.from({ length: 8 }, (_, i) => promptRecord(i));
    t.same(await log.appendBatch(records, 60_000), { appended: 8, duplicates: 0 });
    t.equal(await log.length(), 8);
    t.same(await log.tail(3), records.slice(5));
    t.same(await log.tail(100), records);
    t.same(await log.tail(0), []);
    t.same(await log.appendBatch([], 60_000), { appended: 0, duplicates: 0 });
  });

  t.test("equal content collapses within the window, not after it", async (t) => {
    const log = await make(t, { maxLength: 100 });
    const first = await log.appendBatch(
      [promptRecord(1, "same"), promptRecord(2, "same"), promptRecord(3, "other")],
      300,
    );
    t.same(first, { appended: 2, duplicates: 1 }, "within one batch");
    t.same(await log.appendBatch([promptRecord(4, "same")], 300), { appended: 0, duplicates: 1 });
    await sleep(450);
    t.same(await log.appendBatch([promptRecord(5, "same")], 300), { appended: 1, duplicates: 0 });
    t.same(
      (await log.tail(10)).map((record) => record.id),
      ["col_1", "col_3", "col_5"],
    );
  });

  t.test("a window of 0 keeps every record", async (t) => {
    const log = await make(t, { maxLength: 100 });
    const batch = [promptRecord(1, "same"), promptRecord(2, "same")];
    t.same(await log.appendBatch(batch, 0), { appended: 2, duplicates: 0 });
  });

  t.test("the log is capped at about maxLength, dropping the oldest", async (t) => {
    const maxLength = 200;
    const log = await make(t, { maxLength });
    let index = 0;
    for (let batch = 0; batch < 20; batch++) {
      const records = Array.from({ length: 50 }, () => promptRecord(index++));
      await log.appendBatch(records, 60_000);
    }
    const length = await log.length();
    // Redis trims whole stream nodes (stream-node-max-entries, 100 by default).
    t.ok(length >= maxLength && length <= maxLength + 100, `length ${length}`);
    t.same(
      (await log.tail(3)).map((record) => record.id),
      ["col_997", "col_998", "col_999"],
    );
  });
}
