import t from "tap";
import { createCollectionBuffer } from "../../../src/collection/collection-buffer.ts";
import { promptRecord } from "../../contracts/store/prompt-log-contract.ts";

const image = (sha256: string) => ({ sha256, dataUri: `data:image/png;base64,${sha256}` });

t.test("a bounded FIFO that refuses records when full", async (t) => {
  const buffer = createCollectionBuffer(3);
  for (let i = 0; i < 3; i++) t.equal(buffer.push(promptRecord(i), []), true);
  t.equal(buffer.push(promptRecord(3), []), false);
  t.equal(buffer.size(), 3);
  t.same(
    buffer.head(2).map((record) => record.id),
    ["col_0", "col_1"],
  );
  buffer.shift(2);
  t.same(
    buffer.head(5).map((record) => record.id),
    ["col_2"],
  );
  t.equal(buffer.holds("content-0"), false);
  t.equal(buffer.holds("content-2"), true);
});

t.test("images are held once per hash until the last record using them leaves", async (t) => {
  const buffer = createCollectionBuffer(10);
  const a = { ...promptRecord(1), imageHashes: ["x", "y"] };
  const b = { ...promptRecord(2), imageHashes: ["x"] };
  buffer.push(a, [image("x"), image("y")]);
  buffer.push(b, [image("x")]);
  t.same([...buffer.imagesOf([a, b]).keys()], ["x", "y"]);
  buffer.shift(1);
  t.same([...buffer.imagesOf([b]).keys()], ["x"]);
  t.same([...buffer.imagesOf([a]).keys()], ["x"], "y was released with a");
  t.equal(buffer.clear(), 1);
  t.equal(buffer.imagesOf([b]).size, 0);
});
