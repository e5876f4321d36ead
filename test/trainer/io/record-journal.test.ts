import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { openJournal } from "../../../trainer/io/record-journal.ts";

t.test("a reopened journal knows its records and drops a torn last line", async (t) => {
  const path = join(t.testdir(), "stage.jsonl");
  const first = await openJournal<{ id: string; n: number }>(path);
  await Promise.all([first.append({ id: "a", n: 1 }), first.append({ id: "b", n: 2 })]);
  await first.append({ id: "a", n: 3 });
  await first.close();
  await appendFile(path, '{"id":"c","n"');
  const second = await openJournal<{ id: string; n: number }>(path);
  t.strictSame([...second.records.keys()], ["a", "b"]);
  t.equal(second.records.get("a")?.n, 1, "a known id is not written twice");
  await second.append({ id: "c", n: 4 });
  await second.close();
  const lines = (await readFile(path, "utf8")).trim().split("\n");
  t.equal(lines.length, 3);
  t.strictSame(JSON.parse(lines[2]!), { id: "c", n: 4 });
});
