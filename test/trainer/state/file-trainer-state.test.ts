import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { createFileTrainerState } from "../../../trainer/state/file-trainer-state.ts";

t.test("the first lease is taken in a trainer directory that does not exist yet", async (t) => {
  const trainerDir = join(mkdtempSync(join(tmpdir(), "jurist-trainer-")), "trainer");
  const state = createFileTrainerState(trainerDir);
  t.equal(await state.acquireLease("first", 60_000), true, "taken, no ENOENT");
  t.equal(await state.acquireLease("second", 60_000), false, "and held against another worker");
});
