#!/usr/bin/env node
// The CLI runs the JavaScript `npm run build` compiled into dist/ when that build is newer than
// every TypeScript source (about a fifth less CPU per verdict and ~90 MB less memory than
// compiling on the fly: loadtest/RESULTS.md); otherwise the sources themselves through tsx's
// loader, so there is no build step between a clone, or an edit, and `jurist`.
import { readdirSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);
const compiled = new URL("dist/src/cli.js", root);

/** Whether dist/ was built after the last change to any source file it is compiled from. */
function compiledIsCurrent() {
  let builtAt;
  try {
    builtAt = statSync(compiled).mtimeMs;
  } catch {
    return false;
  }
  for (const folder of ["src", "sim", "trainer"]) {
    const dir = new URL(`${folder}/`, root);
    for (const entry of readdirSync(dir, { recursive: true })) {
      if (entry.endsWith(".ts") && statSync(new URL(entry, dir)).mtimeMs > builtAt) return false;
    }
  }
  return true;
}

if (compiledIsCurrent()) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}
