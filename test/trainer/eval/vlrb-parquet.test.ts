import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import t from "tap";
import { loadVlrbParquet } from "../../../trainer/eval/vlrb-parquet.ts";
import { fixture, fixtureSha256 } from "./fixture-files.ts";
import { type VlrbParquetRow, writeVlrbParquet } from "./vlrb-parquet-file.ts";

const png = (name: string) => readFile(fixture(`images/${name}.png`));

async function rows(): Promise<VlrbParquetRow[]> {
  const pair = (id: string, image: VlrbParquetRow["image"], ranking: number[]) => ({
    id,
    query: `Question of ${id}`,
    image,
    response: [`first of ${id}`, `second of ${id}`],
    human_ranking: ranking.map(BigInt),
  });
  const text = new TextEncoder().encode("not an image");
  return [
    pair("RLAIF-V-1", { bytes: await png("red"), path: null }, [0, 1]),
    pair("RLAIF-V-1", { bytes: await png("blue"), path: "blue.png" }, [1, 0]),
    pair("mathverse_3", { bytes: null, path: "images/green.png" }, [0, 1]),
    pair("wildvision_9", { bytes: null, path: null }, [0, 1]),
    pair("mmmu_4", { bytes: await png("red"), path: null }, [1, 1]),
    pair("vlfeedback_5", { bytes: text, path: null }, [0, 1]),
    pair("vlfeedback_6", { bytes: null, path: "images/missing.png" }, [0, 1]),
  ];
}

t.test("HF-style parquet: inline bytes, path fallback, malformed rows by index", async (t) => {
  const dir = t.testdir();
  await mkdir(join(dir, "images"));
  await copyFile(fixture("images/green.png"), join(dir, "images/green.png"));
  const file = join(dir, "test-00000-of-00001.parquet");
  await writeVlrbParquet(file, await rows());

  const result = await loadVlrbParquet(file);
  t.equal(result.rowsRead, 7);
  t.same(
    result.items.map((item) => [item.id, item.category, item.firstIsChosen]),
    [
      ["RLAIF-V-1", "hallucination", true],
      ["RLAIF-V-1", "hallucination", false],
      ["mathverse_3", "reasoning", true],
    ],
  );
  const [red, blue, green] = result.items;
  t.ok(red!.images[0] && "bytes" in red!.images[0], "bytes stay bytes");
  t.same(Buffer.from((red!.images[0] as { bytes: Uint8Array }).bytes), await png("red"));
  t.same(red!.imageSha256s, [fixtureSha256("images/red.png")]);
  t.same(blue!.imageSha256s, [fixtureSha256("images/blue.png")], "bytes win over a path");
  t.same([blue!.chosen, blue!.rejected], ["second of RLAIF-V-1", "first of RLAIF-V-1"]);
  t.same(green!.images, [{ path: join(dir, "images/green.png") }]);
  t.same(green!.imageSha256s, [fixtureSha256("images/green.png")]);
  t.not(red!.key, blue!.key, "the repeated id gets distinct keys");
  t.same(
    result.malformed.map((m) => ["row" in m && m.row, m.reason.replace(/\/.*\//, "…/")]),
    [
      [3, "image: neither bytes nor a path"],
      [4, "human_ranking: must be [0,1] or [1,0] (0 marks the preferred response)"],
      [5, "image bytes is not a PNG, JPEG, GIF or WebP image"],
      [6, "image file not found: …/missing.png"],
    ],
  );
});

t.test("reads past one batch, keys in row order", async (t) => {
  const red = await png("red");
  const many = Array.from({ length: 600 }, (_, i) => ({
    id: `RLHF-V-${i % 7}`,
    query: "Same question",
    image: { bytes: red, path: null },
    response: ["a", "b"],
    human_ranking: [0n, 1n],
  }));
  const file = join(t.testdir(), "many.parquet");
  await writeVlrbParquet(file, many);
  const { items, rowsRead, malformed } = await loadVlrbParquet(file);
  t.same([rowsRead, items.length, malformed.length], [600, 600, 0]);
  t.same(
    items.map((item) => Number(item.key.split(":")[0])),
    many.map((_, i) => i),
  );
  t.equal(new Set(items.map((item) => item.key)).size, 600);
});

t.test("a parquet file without the VLRB columns is a file error", async (t) => {
  const file = join(t.testdir(), "other.parquet");
  await writeFile(
    file,
    new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "id", data: ["x"] }] })),
  );
  await t.rejects(
    loadVlrbParquet(file),
    /not a VL-RewardBench parquet file: no column query, image/,
  );
});
