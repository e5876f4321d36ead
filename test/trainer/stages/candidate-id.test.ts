import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import t from "tap";
import { candidateId } from "../../../trainer/stages/register.ts";
import { needs } from "../../helpers/required-tools.ts";

// The candidate id hashes the training dataset, which with embedded images (dataset.parquet)
// can pass 2 GiB: Node's readFile refuses files over 2 GiB (ERR_FS_FILE_TOO_LARGE), so the id
// must come from a streamed hash. The large file is sparse (a hole between two written
// marks): it takes no disk space, and its digest is checked against coreutils' sha256sum.

const run = promisify(execFile);

t.test("the id is the iteration and the first 8 hex of the dataset's SHA-256", async (t) => {
  const dir = t.testdir();
  const path = join(dir, "dataset.jsonl");
  const bytes = Buffer.from('{"question":"What is red?"}\n'.repeat(50_000));
  await writeFile(path, bytes);
  const digest = createHash("sha256").update(bytes).digest("hex");
  t.equal(await candidateId(3, path), `jurist-judge-it3-${digest.slice(0, 8)}`);
  await writeFile(path, Buffer.concat([bytes, Buffer.from("\n")]));
  t.not(await candidateId(3, path), `jurist-judge-it3-${digest.slice(0, 8)}`, "other data");
});

t.test(
  "a dataset over 2 GiB hashes without loading it whole",
  needs(["sha256sum"], "apt-get install coreutils"),
  async (t) => {
    const path = join(t.testdir(), "dataset.parquet");
    const size = 2.2e9;
    t.ok(size > 2 ** 31, "past readFile's limit");
    const file = await open(path, "w");
    try {
      await file.write(Buffer.from("PAR1 first bytes"), 0, undefined, 0);
      await file.truncate(size);
      await file.write(Buffer.from("last bytes PAR1"), 0, undefined, size - 15);
    } finally {
      await file.close();
    }
    const [id, sha256sum] = await Promise.all([
      candidateId(7, path),
      run("sha256sum", [path]).then(({ stdout }) => stdout.slice(0, 64)),
    ]);
    t.match(sha256sum, /^[0-9a-f]{64}$/);
    t.equal(id, `jurist-judge-it7-${sha256sum.slice(0, 8)}`);
  },
);
