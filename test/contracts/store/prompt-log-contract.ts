import { setTimeout as sleep } from "node:timers/promises";
import type { Test } from "tap";
import type { PromptLog, PromptRecord } from "../../../src/store/prompt-log.ts";

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

  t.test("a consumer group reads from the start, in order, and ack retires entries", async (t) => {
    const log = await make(t, { maxLength: 100 });
    await log.appendBatch([promptRecord(1), promptRecord(2), promptRecord(3)], 0);
    const consumer = log.consumer({ group: "trainer", consumer: "w1" });
    t.equal(await consumer.backlog(), 3, "entries written before the group existed count");
    const first = await consumer.read(2);
    t.same(
      first.map((entry) => entry.record?.id),
      ["col_1", "col_2"],
    );
    t.same(first[0]!.record, promptRecord(1), "the record decodes field for field");
    t.equal(await consumer.backlog(), 3, "read but unacknowledged entries still count");
    await consumer.ack(first.map((entry) => entry.entryId));
    t.equal(await consumer.backlog(), 1);
    await log.appendBatch([promptRecord(4)], 0);
    const rest = await consumer.read(10);
    t.same(
      rest.map((entry) => entry.record?.id),
      ["col_3", "col_4"],
    );
    await consumer.ack(rest.map((entry) => entry.entryId));
    t.same(await consumer.read(10), [], "nothing left");
    t.equal(await consumer.backlog(), 0);
  });

  t.test(
    "an entry read but not acknowledged is delivered again to the same consumer",
    async (t) => {
      const log = await make(t, { maxLength: 100 });
      await log.appendBatch([promptRecord(1), promptRecord(2), promptRecord(3)], 0);
      const crashed = log.consumer({ group: "trainer", consumer: "w1" });
      const lost = await crashed.read(2);
      // A new reader under the same name (the restarted worker) gets the unacknowledged two first.
      const restarted = log.consumer({ group: "trainer", consumer: "w1" });
      const again = await restarted.read(10);
      t.same(
        again.map((entry) => entry.entryId),
        lost.map((entry) => entry.entryId),
      );
      await restarted.ack(again.map((entry) => entry.entryId));
      t.same(
        (await restarted.read(10)).map((entry) => entry.record?.id),
        ["col_3"],
      );
    },
  );

  t.test("groups are independent; consumers of one group share its entries", async (t) => {
    const log = await make(t, { maxLength: 100 });
    await log.appendBatch([promptRecord(1), promptRecord(2)], 0);
    const a = log.consumer({ group: "trainer", consumer: "a", claimIdleMs: 60_000 });
    const b = log.consumer({ group: "trainer", consumer: "b", claimIdleMs: 60_000 });
    const other = log.consumer({ group: "audit", consumer: "a" });
    t.same(
      (await a.read(1)).map((entry) => entry.record?.id),
      ["col_1"],
    );
    t.same(
      (await b.read(5)).map((entry) => entry.record?.id),
      ["col_2"],
      "b does not get what a holds",
    );
    t.same(
      (await other.read(5)).map((entry) => entry.record?.id),
      ["col_1", "col_2"],
      "another group reads everything",
    );
  });

  t.test("a dead consumer's entries are claimed once idle past claimIdleMs", async (t) => {
    const log = await make(t, { maxLength: 100 });
    await log.appendBatch([promptRecord(1), promptRecord(2)], 0);
    const dead = log.consumer({ group: "trainer", consumer: "dead" });
    const held = await dead.read(1);
    const alive = log.consumer({ group: "trainer", consumer: "alive", claimIdleMs: 150 });
    const fresh = await alive.read(5);
    t.same(
      fresh.map((entry) => entry.record?.id),
      ["col_2"],
      "not yet idle: only the new entry",
    );
    await alive.ack(fresh.map((entry) => entry.entryId));
    await sleep(300);
    const claimed = await alive.read(5);
    t.ok(
      claimed.some((entry) => entry.entryId === held[0]!.entryId),
      "the idle entry moved to the live consumer",
    );
  });
}
