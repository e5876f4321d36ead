import type { ErrorKind, InjectedError, Rewrite } from "../src/core/generator-prompts.ts";
import type { Random } from "../src/core/seeded-random.ts";
import {
  COLOURS,
  NUMBER_WORDS,
  OBJECTS,
  pluralOf,
  SIGN_WORDS,
  SIZES,
  SPATIAL_OPPOSITES,
} from "./scene-vocabulary.ts";

/** A place in a text where an error can be injected. */
interface Site {
  kind: ErrorKind;
  start: number;
  end: number;
  value: string;
}

const PLURALS = OBJECTS.map(pluralOf);
const words = (list: readonly string[]) => list.join("|");

/** In priority order: quoted text first, so words inside quotes are not edited twice. */
const FINDERS: ReadonlyArray<{ kind: ErrorKind; pattern: RegExp; group: number }> = [
  { kind: "text", pattern: /"([^"\n]{1,60})"/g, group: 1 },
  {
    kind: "spatial",
    pattern: new RegExp(`\\b(${words(Object.keys(SPATIAL_OPPOSITES))})\\b`, "gi"),
    group: 1,
  },
  { kind: "count", pattern: new RegExp(`\\b(\\d{1,4}|${words(NUMBER_WORDS)})\\b`, "gi"), group: 1 },
  {
    kind: "attribute",
    pattern: new RegExp(`\\b(${words([...COLOURS, ...SIZES])})\\b`, "gi"),
    group: 1,
  },
  {
    kind: "object",
    pattern: new RegExp(`\\b(${words([...PLURALS, ...OBJECTS])})\\b`, "gi"),
    group: 1,
  },
];

function findSites(text: string): Site[] {
  const sites: Site[] = [];
  for (const { kind, pattern, group } of FINDERS) {
    for (const match of text.matchAll(pattern)) {
      const value = match[group]!;
      const start = match.index + match[0].indexOf(value);
      const site = { kind, start, end: start + value.length, value };
      if (!sites.some((s) => s.start < site.end && site.start < s.end)) sites.push(site);
    }
  }
  return sites;
}

function otherThan(rng: Random, list: readonly string[], value: string): string {
  const choices = list.filter((item) => item !== value.toLowerCase());
  return rng.pick(choices);
}

function replacementFor(site: Site, rng: Random): string {
  const lower = site.value.toLowerCase();
  switch (site.kind) {
    case "spatial":
      return SPATIAL_OPPOSITES[lower] ?? "behind";
    case "count":
      if (/^\d+$/.test(lower)) return String(otherNumber(Number(lower), rng));
      return otherThan(rng, NUMBER_WORDS.slice(1), lower);
    case "attribute":
      return otherThan(
        rng,
        (COLOURS as readonly string[]).includes(lower) ? COLOURS : SIZES,
        lower,
      );
    case "object":
      return otherThan(rng, PLURALS.includes(lower) ? PLURALS : OBJECTS, lower);
    case "text":
      return otherThan(
        rng,
        SIGN_WORDS.map((w) => w.toLowerCase()),
        lower,
      );
  }
}

function otherNumber(n: number, rng: Random): number {
  if (n <= 12) return (n + 1 + rng.int(12)) % 13;
  return n + (rng.chance(0.5) ? -1 : 1) * (1 + rng.int(Math.max(1, Math.floor(n / 4))));
}

/** Keeps the original's letter case: UPPER, Capitalised or lower. */
function matchCase(replacement: string, original: string): string {
  if (original.length > 1 && original === original.toUpperCase() && /[A-Z]/.test(original)) {
    return replacement.toUpperCase();
  }
  if (/^[A-Z]/.test(original)) return replacement[0]!.toUpperCase() + replacement.slice(1);
  return replacement;
}

/** Up to `count` sites, spreading over kinds before taking a second site of one kind. */
function chooseSites(sites: Site[], count: number, rng: Random): Site[] {
  const byKind = new Map<ErrorKind, Site[]>();
  for (const site of sites) byKind.set(site.kind, [...(byKind.get(site.kind) ?? []), site]);
  const pools = [...byKind.values()];
  for (let i = pools.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [pools[i], pools[j]] = [pools[j]!, pools[i]!];
  }
  const chosen: Site[] = [];
  while (chosen.length < count && pools.some((pool) => pool.length > 0)) {
    for (const pool of pools) {
      if (pool.length === 0 || chosen.length >= count) continue;
      chosen.push(pool.splice(rng.int(pool.length), 1)[0]!);
    }
  }
  return chosen;
}

/** A false sentence: a count, colour, object and side the image does not show. */
function falseSentence(rng: Random): string {
  const count = rng.pick(NUMBER_WORDS.slice(2));
  const objects = pluralOf(rng.pick(OBJECTS));
  return `There are ${count} ${rng.pick(COLOURS)} ${objects} on the ${rng.pick(["left", "right"])}.`;
}

/** Replaces the last sentence with a false one (appends when there is only one sentence). */
function replaceLastSentence(text: string, rng: Random): Rewrite {
  const sentence = falseSentence(rng);
  const sentences = text.trim().split(/(?<=[.!?])\s+/);
  if (sentences.length < 2) return appendFalseSentence(text, rng);
  const from = sentences.pop()!;
  return {
    text: [...sentences, sentence].join(" "),
    errors: [{ kind: "object", from, to: sentence }],
  };
}

function appendFalseSentence(text: string, rng: Random): Rewrite {
  const sentence = falseSentence(rng);
  return {
    text: `${text.trim()} ${sentence}`,
    errors: [{ kind: "object", from: "", to: sentence }],
  };
}

/**
 * Injects up to `count` visually checkable errors by substituting counts, attributes,
 * objects, spatial relations and quoted text; the rest of the text is untouched, so style
 * and length stay close to the original's. A text with nothing to substitute gets a false
 * last sentence instead. `extraSentence` also appends a false sentence, for when the
 * substitutions alone cannot reach the wanted quality class.
 */
export function injectErrors(
  text: string,
  count: number,
  rng: Random,
  extraSentence = false,
): Rewrite {
  const chosen = chooseSites(findSites(text), count, rng);
  if (chosen.length === 0) return replaceLastSentence(text, rng);
  let result = text;
  const errors: InjectedError[] = [];
  for (const site of [...chosen].sort((a, b) => b.start - a.start)) {
    const to = matchCase(replacementFor(site, rng), site.value);
    result = result.slice(0, site.start) + to + result.slice(site.end);
    errors.unshift({ kind: site.kind, from: site.value, to });
  }
  if (!extraSentence) return { text: result, errors };
  const added = appendFalseSentence(result, rng);
  return { text: added.text, errors: [...errors, ...added.errors] };
}
