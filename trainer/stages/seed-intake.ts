import { dirname, isAbsolute, resolve } from "node:path";
import { hashHex } from "../core/seeded-hash.ts";
import { imageFileSha256 } from "../io/image-files.ts";
import { seedLines } from "../io/jsonl-files.ts";
import type { IntakePrompt, IntakeSink } from "./intake-sink.ts";

type Parsed = { ok: true; prompt: IntakePrompt } | { ok: false; detail: string };

/** Seed lines decided per durable batch. */
const BATCH = 256;

async function parseSeedLine(line: string, base: string): Promise<Parsed> {
  let value: { id?: unknown; question?: unknown; images?: unknown };
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, detail: "not JSON" };
  }
  const { id, question, images } = value;
  if (typeof question !== "string" || question.trim() === "") {
    return { ok: false, detail: "no question" };
  }
  if (!Array.isArray(images) || !images.every((p) => typeof p === "string")) {
    return { ok: false, detail: "images must be a list of paths" };
  }
  if (images.some((p: string) => /^[a-z]+:\/\//i.test(p))) {
    return { ok: false, detail: "image URLs are not read; use file paths" };
  }
  const paths = images.map((p: string) => (isAbsolute(p) ? p : resolve(base, p)));
  try {
    // The files' own hashes: an image the replicas later get resized keeps its identity.
    const imageHashes = await Promise.all(paths.map(imageFileSha256));
    const fallback = `seed_${hashHex("seed", question, imageHashes.join(",")).slice(0, 16)}`;
    const promptId = typeof id === "string" && id ? id : fallback;
    return {
      ok: true,
      prompt: { id: promptId, question, images: paths, imageHashes, source: "seed" },
    };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

/**
 * Feeds seed prompt files (JSONL `{ id?, question, images: [path] }`, paths relative to the
 * file) into the sink, line by line. On a rerun, a prompt an earlier run wrote is passed over
 * the first time its id comes up this run, so only true repeats count as duplicates.
 * `only`: the `<file>:<line>` positions to read (an iteration's seed slice); others are
 * passed over unread and uncounted.
 */
export async function intakeSeedFiles(
  files: readonly string[],
  sink: IntakeSink,
  signal: AbortSignal,
  only?: ReadonlySet<string>,
): Promise<number> {
  const seenThisRun = new Set<string>();
  let read = 0;
  for await (const { file, position: where, line } of seedLines(files)) {
    if (only && !only.has(where)) continue;
    read++;
    if (sink.decided(where)) continue;
    const parsed = await parseSeedLine(line, dirname(file));
    if (!parsed.ok) {
      sink.skip({ id: where, reason: "invalid", detail: parsed.detail });
    } else if (sink.decided(parsed.prompt.id) && !seenThisRun.has(parsed.prompt.id)) {
      seenThisRun.add(parsed.prompt.id);
    } else {
      seenThisRun.add(parsed.prompt.id);
      sink.admit(parsed.prompt, where);
    }
    if (read % BATCH === 0) {
      await sink.flush();
      signal.throwIfAborted();
    }
  }
  await sink.flush();
  return read;
}
