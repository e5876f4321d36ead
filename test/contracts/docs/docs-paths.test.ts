import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";

// Paths the docs name in code spans (`src/engine/replica-fleet.ts`, `test/contracts/store`)
// exist: the floor plan moves, and a doc that names the old place sends a reader nowhere.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TOP = /^(src|sim|trainer|test|scripts|deploy|loadtest|docs|proto|bin|clients)\//;
/** Written by the commands the docs describe, not checked in. */
const GENERATED = /^loadtest\/results\//;

const docs = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** Repository paths in a document's code spans: no globs, placeholders or URLs. */
function namedPaths(text: string): string[] {
  const paths = new Set<string>();
  for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
    for (const word of span!.split(/[\s,;()]+/)) {
      const path = word.replace(/[.:]+$/, "").replace(/#.*$/, "");
      if (TOP.test(path) && !GENERATED.test(path) && !/[*<>{}|$…]/.test(path)) paths.add(path);
    }
  }
  return [...paths];
}

for (const doc of docs) {
  t.test(`${doc}: every path it names exists`, async (t) => {
    const named = namedPaths(readFileSync(join(ROOT, doc), "utf8"));
    t.strictSame(
      named.filter((path) => !existsSync(join(ROOT, path))),
      [],
      `${named.length} paths named`,
    );
  });
}

t.test("the check reads paths out of code spans", async (t) => {
  t.strictSame(
    namedPaths("see `src/engine/fleet.ts`, `npx tap test/src/a.test.ts` and `src/*.ts` or `x/y`"),
    ["src/engine/fleet.ts", "test/src/a.test.ts"],
  );
});
