import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { CONFIG_VARIABLES } from "../../../src/config/config.ts";
import {
  CONFIG_DOC_COMMAND,
  CONFIG_DOC_PATH,
  renderConfigDoc,
} from "../../../src/config/config-doc.ts";
import { OTHER_VARIABLES } from "../../../src/config/settings.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

t.test(`${CONFIG_DOC_PATH} is what the settings' declarations render`, async (t) => {
  const committed = readFileSync(join(ROOT, CONFIG_DOC_PATH), "utf8");
  const rendered = renderConfigDoc();
  if (committed === rendered) return t.pass("up to date");
  const committedLines = committed.split("\n");
  const line = rendered.split("\n").findIndex((text, index) => text !== committedLines[index]);
  t.fail(
    `${CONFIG_DOC_PATH} is stale (first difference on line ${line + 1}): run \`${CONFIG_DOC_COMMAND}\` and commit the result`,
  );
});

t.test("the doc lists every setting and every other variable", async (t) => {
  const doc = renderConfigDoc();
  for (const name of [...CONFIG_VARIABLES, ...Object.keys(OTHER_VARIABLES)]) {
    t.match(doc, `| \`${name}\` |`, name);
  }
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

/** Names read as `process.env.X`, `env.X`, `env["X"]`, or spelled `JURIST_…` anywhere. */
function variablesNamed(text: string): string[] {
  const patterns = [
    /\benv\.([A-Z][A-Z0-9_]*)\b/g,
    /\benv\[\s*["'`]([A-Z][A-Z0-9_]*)["'`]\s*\]/g,
    /\b(JURIST_[A-Z0-9_]*[A-Z0-9])\b/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!));
}

t.test("every variable src/, trainer/ and sim/ read or name is declared", async (t) => {
  const known = new Set([...CONFIG_VARIABLES, ...Object.keys(OTHER_VARIABLES)]);
  const undeclared: string[] = [];
  let files = 0;
  for (const top of ["src", "trainer", "sim"]) {
    for (const file of sourceFiles(join(ROOT, top))) {
      files++;
      for (const name of variablesNamed(readFileSync(file, "utf8"))) {
        if (!known.has(name)) undeclared.push(`${name} (${relative(ROOT, file)})`);
      }
    }
  }
  t.ok(files > 100, `scanned ${files} files`);
  t.same(undeclared, [], "declare each under src/config/*-settings.ts, or in OTHER_VARIABLES");
});
