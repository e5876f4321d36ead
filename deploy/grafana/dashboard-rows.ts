/**
 * What the Jurist dashboard shows: its rows and panels with their PromQL. The layout and the
 * Grafana JSON around them are `build-dashboard.ts`'s business. Queries aggregate over every
 * scraped process (gateways, the trainer worker), so they hold for one gateway or many.
 */

import type { RowSpec } from "./panel-spec.ts";
import { cache, collection, fleet } from "./rows-fleet.ts";
import { latency, quality, traffic } from "./rows-serving.ts";
import { gates, trainer } from "./rows-training.ts";

export type { PanelSpec, Query, RowSpec } from "./panel-spec.ts";

/** Every row, top to bottom. */
export const ROWS: readonly RowSpec[] = [
  traffic,
  latency,
  quality,
  fleet,
  cache,
  collection,
  trainer,
  gates,
];
