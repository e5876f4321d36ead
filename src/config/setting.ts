import type { z } from "zod";

/**
 * How a setting is declared: once, with its variable, schema, default, one-line doc, and (by
 * the key it sits under in its area's tree) where it goes in the Config object. `loadConfig`,
 * CONFIG_VARIABLES and docs/configuration.md are all read from these declarations.
 */

/** One environment variable and where its value goes. `T`: the Config value; `R`: the parsed one. */
export interface Setting<T = unknown, R = unknown> {
  readonly kind: "setting";
  readonly env: string;
  /** The schema with the default (or `.optional()`) applied: what validates the variable. */
  readonly schema: z.ZodType;
  /** The default as docs/configuration.md shows it. */
  readonly shownDefault: string;
  readonly doc: string;
  /** From the parsed value to the Config value (usually the identity). */
  readonly map: (parsed: R) => T;
}

/** A Config value computed from a setting's parsed value rather than read itself. */
export interface Derived<T = unknown> {
  readonly kind: "derived";
  readonly from: Setting;
  readonly compute: (parsed: unknown) => T;
}

interface SettingSpec<S extends z.ZodType> {
  /** The variable's name; also its key in a JURIST_CONFIG file. */
  env: string;
  schema: S;
  /** One line for docs/configuration.md. */
  doc: string;
  /** How docs/configuration.md shows the default, where the value itself would not do. */
  shownDefault?: string;
}

/** A setting with a default. */
export function setting<S extends z.ZodType>(
  spec: SettingSpec<S> & { default: z.output<S> },
): Setting<z.output<S>, z.output<S>>;
/** A setting without a default whose Config value is `map` of the parsed one. */
export function setting<S extends z.ZodType, T>(
  spec: SettingSpec<S> & { map: (parsed: z.output<S> | undefined) => T },
): Setting<T, z.output<S> | undefined>;
/** A setting without a default: undefined when unset. */
export function setting<S extends z.ZodType>(
  spec: SettingSpec<S>,
): Setting<z.output<S> | undefined, z.output<S> | undefined>;
export function setting(
  spec: SettingSpec<z.ZodType> & { default?: unknown; map?: (parsed: unknown) => unknown },
): Setting {
  const hasDefault = "default" in spec;
  return {
    kind: "setting",
    env: spec.env,
    schema: hasDefault
      ? (spec.schema as z.ZodType<unknown>).default(spec.default as never)
      : spec.schema.optional(),
    shownDefault: spec.shownDefault ?? showDefault(hasDefault ? spec.default : undefined),
    doc: spec.doc,
    map: spec.map ?? ((parsed) => parsed),
  };
}

/** A Config value computed from `from`'s parsed value. */
export function derived<R, T>(from: Setting<unknown, R>, compute: (parsed: R) => T): Derived<T> {
  return { kind: "derived", from: from as Setting, compute: compute as (parsed: unknown) => T };
}

function showDefault(value: unknown): string {
  if (value === undefined) return "unset";
  if (Array.isArray(value) && value.length === 0) return "empty";
  if (typeof value === "object" && value !== null && Object.keys(value).length === 0) {
    return "empty";
  }
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

/** Settings (and derived values) keyed by where they go in the Config object. */
export interface SettingTree {
  readonly [key: string]: Setting<unknown, never> | Derived | SettingTree;
}

/** A group of settings that belong together: one *-settings.ts file, one section of the doc. */
export interface Area<Tree extends SettingTree = SettingTree> {
  readonly title: string;
  /** A sentence or two that opens the section. */
  readonly summary: string;
  /** Rooted at the Config object: `{ judge: { tieMargin: setting(…) } }` is `config.judge.tieMargin`. */
  readonly tree: Tree;
}

export function area<const Tree extends SettingTree>(
  title: string,
  summary: string,
  tree: Tree,
): Area<Tree> {
  return { title, summary, tree };
}

/** The Config values a tree declares. */
export type Values<T> =
  T extends Setting<infer V, never>
    ? V
    : T extends Derived<infer V>
      ? V
      : { -readonly [K in keyof T]: Values<T[K]> };

export type Node = SettingTree[string];

export function isSetting(node: Node): node is Setting<unknown, never> {
  return (node as { kind?: unknown }).kind === "setting";
}

export function isDerived(node: Node): node is Derived {
  return (node as { kind?: unknown }).kind === "derived";
}

/** Every setting of a tree, in declaration order. */
export function settingsOf(tree: SettingTree): Setting[] {
  return Object.values(tree).flatMap((node) =>
    isSetting(node) ? [node as Setting] : isDerived(node) ? [] : settingsOf(node),
  );
}
