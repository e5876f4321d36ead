import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import t from "tap";
import { encodePng } from "../../sim/png-image.ts";
import { makeSeedPrompts } from "../../sim/seed-prompts.ts";
import { closedAnswerForm } from "../../sim/world/question-form.ts";
import { createImageIntake } from "../../src/images/image-intake.ts";

t.test("PNGs are real: header, dimensions, pixels, accepted by image intake", async (t) => {
  const png = encodePng(3, 2, (x, y) => [x * 10, y * 20, 255]);
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  t.equal(png.readUInt32BE(16), 3, "width");
  t.equal(png.readUInt32BE(20), 2, "height");
  const idatLength = png.readUInt32BE(33);
  t.equal(png.toString("ascii", 37, 41), "IDAT");
  const rows = inflateSync(png.subarray(41, 41 + idatLength));
  t.same([...rows.subarray(1, 7)], [0, 0, 255, 10, 0, 255], "first row's pixels");
  const intake = createImageIntake();
  t.teardown(() => intake.close());
  const [resolved] = await intake.resolve([
    { url: `data:image/png;base64,${png.toString("base64")}` },
  ]);
  t.equal(resolved?.mime, "image/png");
});

t.test("seed prompts are deterministic, varied and mix closed and open questions", async (t) => {
  const first = makeSeedPrompts(50, 7);
  const again = makeSeedPrompts(50, 7);
  t.same(
    first.map((p) => p.prompt),
    again.map((p) => p.prompt),
  );
  t.ok(
    first.every((p, i) => p.image.equals(again[i]!.image)),
    "same image bytes",
  );
  t.notSame(
    makeSeedPrompts(5, 8).map((p) => p.prompt.question),
    first.slice(0, 5).map((p) => p.prompt.question),
  );
  const forms = first.map((p) => closedAnswerForm(p.prompt.question) ?? "open");
  for (const form of ["number", "option", "yes_no", "open"]) {
    t.ok(forms.includes(form as never), `includes ${form} questions`);
  }
  const hashes = new Set(first.map((p) => p.image.toString("base64")));
  t.equal(hashes.size, 50, "every prompt has its own image");
});

t.test("jurist sim make-prompts writes JSONL and images", async (t) => {
  const dir = t.testdir();
  const out = join(dir, "prompts.jsonl");
  const cli = new URL("../../bin/jurist.js", import.meta.url).pathname;
  const run = spawnSync(process.execPath, [cli, "sim", "make-prompts", "--n", "12", "--out", out]);
  t.equal(run.status, 0, run.stderr.toString());
  const lines = readFileSync(out, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  t.equal(lines.length, 12);
  const image = readFileSync(join(dir, lines[0].images[0]));
  t.equal(image.toString("ascii", 1, 4), "PNG");
  const bad = spawnSync(process.execPath, [
    cli,
    "sim",
    "make-prompts",
    "--n",
    "zero",
    "--out",
    out,
  ]);
  t.equal(bad.status, 2);
  t.match(bad.stderr.toString(), /usage: jurist sim make-prompts/);
});
