import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The committed fixture directory: one small file per benchmark format, images beside them. */
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export const fixture = (name: string) => `${FIXTURES}${name}`;

/** SHA-256 (hex) of a fixture file's bytes, computed here rather than trusted from the loader. */
export const fixtureSha256 = (name: string) =>
  createHash("sha256")
    .update(readFileSync(fixture(name)))
    .digest("hex");
