import { admission } from "./admission-settings.ts";
import { auth } from "./auth-settings.ts";
import { blobs } from "./blob-settings.ts";
import { collection } from "./collection-settings.ts";
import { engine } from "./engine-settings.ts";
import { gates } from "./gates-settings.ts";
import { grpc } from "./grpc-settings.ts";
import { images } from "./images-settings.ts";
import { judge } from "./judge-settings.ts";
import { reward } from "./reward-settings.ts";
import { server } from "./server-settings.ts";
import { type Setting, settingsOf } from "./setting.ts";
import { shadow } from "./shadow-settings.ts";
import { shedding } from "./shedding-settings.ts";
import { sim } from "./sim-settings.ts";
import { stores } from "./stores-settings.ts";
import { trainer } from "./trainer-settings.ts";

/** Every area, in the order docs/configuration.md shows them. */
export const AREAS = [
  server,
  grpc,
  images,
  judge,
  reward,
  engine,
  admission,
  shedding,
  stores,
  blobs,
  auth,
  collection,
  trainer,
  gates,
  shadow,
  sim,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;

/** The areas' trees merged: the whole Config object, setting by setting. */
export type SettingsTree = UnionToIntersection<(typeof AREAS)[number]["tree"]>;

/** Every setting, in area order. */
export const SETTINGS: readonly Setting[] = AREAS.flatMap((area) => settingsOf(area.tree));

/**
 * Variables Jurist reads that are not settings (no Config value): named here so the docs list
 * them and the check that every variable read is declared knows them.
 */
export const OTHER_VARIABLES: Readonly<Record<string, string>> = {
  JURIST_CONFIG:
    "path of a JSON file of settings (keys are the variable names; the environment wins)",
  JURIST_API_KEY: "the admin key `jurist promote` and `jurist rollback` send when auth is on",
};
