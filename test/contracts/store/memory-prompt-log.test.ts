import t from "tap";
import { createMemoryPromptLog } from "../../../src/store/memory-prompt-log.ts";
import { promptLogContract, promptRecord } from "./prompt-log-contract.ts";

promptLogContract(t, async (_t, options) => createMemoryPromptLog(options));

t.test("the cap is exact", async (t) => {
  const log = createMemoryPromptLog({ maxLength: 10 });
  await log.appendBatch(
    Array.from({ length: 25 }, (_, i) => promptRecord(i)),
    60_000,
  );
  t.equal(await log.length(), 10);
  t.equal((await log.tail(1))[0]?.id, "col_24");
});

t.test("dedup follows the injected clock", async (t) => {
  let now = 0;
  const log = createMemoryPromptLog({ maxLength: 10, now: () => now });
  t.equal((await log.appendBatch([promptRecord(1, "x")], 1_000)).appended, 1);
  now = 999;
  t.equal((await log.appendBatch([promptRecord(2, "x")], 1_000)).duplicates, 1);
  now = 1_000;
  t.equal((await log.appendBatch([promptRecord(3, "x")], 1_000)).appended, 1);
});

t.test("stored records are copies", async (t) => {
  const log = createMemoryPromptLog({ maxLength: 10 });
  const record = promptRecord(1);
  await log.appendBatch([record], 0);
  record.imageHashes.push("changed");
  const [tail] = await log.tail(1);
  tail!.question = "changed";
  t.same(await log.tail(1), [promptRecord(1)]);
});
