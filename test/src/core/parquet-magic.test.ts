import t from "tap";
import { PARQUET_MAGIC_LENGTH, startsWithParquetMagic } from "../../../src/core/parquet-magic.ts";

const bytes = (text: string) => Buffer.from(text, "latin1");

t.test("parquet is told by its first four bytes, PAR1", async (t) => {
  t.equal(PARQUET_MAGIC_LENGTH, 4, "the loaders read four bytes to decide");
  t.ok(startsWithParquetMagic(bytes("PAR1")), "the magic alone");
  t.ok(startsWithParquetMagic(bytes("PAR1\x15\x04\x15\x00PAR1")), "a file that goes on");
});

t.test("anything else is not parquet", async (t) => {
  for (const [head, why] of [
    ["", "empty"],
    ["PAR", "cut short"],
    ["XAR1", "first byte differs"],
    ["PXR1", "second byte differs"],
    ["PAXL", "third and fourth bytes differ"],
    ["PAR2", "fourth byte differs"],
    ["par1", "lower case"],
    ['{"prompt": "PAR1"}', "JSONL that mentions it"],
  ] as const) {
    t.notOk(startsWithParquetMagic(bytes(head)), `${JSON.stringify(head)}: ${why}`);
  }
});
