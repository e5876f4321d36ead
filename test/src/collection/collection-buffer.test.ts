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

t.test("an image held as a small slice of a request body does not keep the body", async (t) => {
  const buffer = createCollectionBuffer(10);
  const body = Buffer.alloc(1_000_000, 0x41);
  const uri = Buffer.from("data:image/png;base64,AAAA", "latin1");
  uri.copy(body, 500);
  const slice = body.subarray(500, 500 + uri.length);
  const whole = Buffer.alloc(64, 0x41);
  const record = { ...promptRecord(1), imageHashes: ["small", "whole"] };
  buffer.push(record, [
    { sha256: "small", dataUri: slice },
    { sha256: "whole", dataUri: whole },
  ]);
  const held = buffer.imagesOf([record]);
  const small = held.get("small") as Buffer;
  t.same(small, uri, "the same URI");
  t.ok(small.buffer.byteLength < 100_000, "copied out of the 1 MB body");
  t.equal(held.get("whole"), whole, "a buffer that is all URI is kept as it is");
});
