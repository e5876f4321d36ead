import { admission } from "./areas/admission.ts";
import { auth } from "./areas/auth.ts";
import { collection } from "./areas/collection.ts";
import { engine } from "./areas/engine.ts";
import { gates } from "./areas/gates.ts";
import { grpc } from "./areas/grpc.ts";
import { images } from "./areas/images.ts";
import { judge } from "./areas/judge.ts";
import { reward } from "./areas/reward.ts";
import { server } from "./areas/server.ts";
import { shadow } from "./areas/shadow.ts";
import { shedding } from "./areas/shedding.ts";
import { sim } from "./areas/sim.ts";
import { stores } from "./areas/stores.ts";
import { trainer } from "./areas/trainer.ts";
import { type Setting, settingsOf } from "./setting.ts";

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
