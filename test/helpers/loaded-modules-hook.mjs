// The loader hook registered by record-loaded-modules.mjs: sees every module load, whatever
// loader (tsx) resolves it, and records its URL.
import { appendFileSync } from "node:fs";

let file;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
