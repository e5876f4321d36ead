import { parseVllmRelease } from "../core/vllm-release.ts";
import type { StructuredOutputField } from "./completion-wire.ts";
import { EngineCallError } from "./engine-errors.ts";
import type { Replica } from "./fleet-types.ts";
import { type LoopStalls, processLoopStalls } from "./loop-stalls.ts";
import { parseQueueDepth } from "./vllm-metrics.ts";
import { choiceFieldFor, type StructuredOutputSetting } from "./vllm-version.ts";

/**
 * How often a healthy replica's known `/version` is read again, ms. A replica behind an
 * address that outlives its pods (a Kubernetes Service, a load balancer, a DNS name) can be
 * upgraded by a rolling restart that no health poll sees fail; this bounds how long it keeps
 * the old release's choice field (the unconstrained-answer report covers the meantime), at
 * one small GET per replica per five minutes. An unknown version is read on every poll.
 */
export const VERSION_REFRESH_MS = 5 * 60_000;

/** A replica's version and choice field before a poll read `/version` again. */
export interface VersionBefore {
  version: string | null;
  field: StructuredOutputField;
}

/** What a poll learnt besides health. */
export interface PollResult {
  /** Whether the replica's health changed. */
  healthChanged: boolean;
  /** Set when `/version` was read and taken this poll: what the replica had before. */
  versionBefore: VersionBefore | null;
}

/**
 * Refreshes one replica's snapshot from `/health`, `/v1/models` and `/metrics`. Never throws:
 * a replica that cannot be read is unhealthy, with the reason kept for /readyz — unless the
 * read timed out while the gateway's own event loop stalled (`stalls`): then it is tried again,
 * up to {@link STALLED_ATTEMPTS} times, and a poll whose every read overlapped a stall
 * changes nothing.
 *
 * `/version`: a replica that joins or comes back has it read (it may have been upgraded)
 * before it is healthy again, so no call goes out with a field its release does not have.
 * A healthy replica has it read again on every poll while it is unknown (the read on joining
 * failed: a timeout, a proxy hiccup), so one failed read does not pin the fallback field
 * until the replica flaps; and every {@link VERSION_REFRESH_MS} otherwise. A failed re-read
 * keeps what was known, and is tried again next poll.
 */
export async function pollReplica(
  replica: Replica,
  choiceSetting: StructuredOutputSetting,
  stalls: LoopStalls = processLoopStalls(),
): Promise<PollResult> {
  const wasHealthy = replica.healthy;
  let versionBefore: VersionBefore | null = null;
  for (let attempt = 1; ; attempt += 1) {
    const started = performance.now();
    try {
      versionBefore = await readReplica(replica, wasHealthy, choiceSetting);
      replica.healthy = true;
      replica.lastError = null;
      break;
    } catch (error) {
      // Our own loop stood still during the probe: its timeout may have fired with the
      // replica's answer unread. Ask again rather than eject a replica for our stall. A stall
      // can only make a probe time out: a refused connection or an error status is the
      // replica's own answer, and counts however busy this process is.
      if (isTimeout(error) && stalls.longestSince(started) >= LOCAL_STALL_MS) {
        if (attempt < STALLED_ATTEMPTS) continue;
        // Every attempt overlapped a stall: nothing was learnt about the replica.
        return { healthChanged: false, versionBefore };
      }
      replica.healthy = false;
      replica.lastError = (error as Error).message;
      break;
    }
  }
  replica.checkedAt = Date.now();
  return { healthChanged: wasHealthy !== replica.healthy, versionBefore };
}

/**
 * A stall of the gateway's event loop this long during a probe excuses its failure: the probe
 * is tried again. Long enough that ordinary scheduling delays do not count, far below the
 * probe timeout (1 s at least), which only a stall can eat.
 */
const LOCAL_STALL_MS = 100;

/** Probes of one poll that may each be excused by a stall before the poll gives up unjudged. */
const STALLED_ATTEMPTS = 3;

/** Whether a probe failed because its own timer fired: the only failure a stall can cause. */
function isTimeout(error: unknown): boolean {
  return error instanceof EngineCallError && error.kind === "timeout";
}

/** One read of the replica's health, models, queue and version; throws when it fails. */
async function readReplica(
  replica: Replica,
  wasHealthy: boolean,
  choiceSetting: StructuredOutputSetting,
): Promise<VersionBefore | null> {
  let versionBefore: VersionBefore | null = null;
  await replica.client.health();
  const served = await replica.client.models();
  const metrics = await replica.client.metrics();
  replica.servedModels = served;
  replica.models = served.map((model) => model.id);
  if (metrics) {
    const depth = parseQueueDepth(metrics);
    replica.running = depth.running;
    replica.waiting = depth.waiting;
    // Routing extrapolates from this moment: what this gateway has added since counts for
    // every gateway (replica-routing.ts, extrapolatedLoad).
    replica.inFlightAtPoll = replica.inFlight;
  }
  if (!wasHealthy) {
    versionBefore = learnVersion(replica, await replica.client.version(), choiceSetting);
  } else if (versionDue(replica)) {
    const version = await replica.client.version();
    if (version !== null) versionBefore = learnVersion(replica, version, choiceSetting);
  }
  return versionBefore;
}

function versionDue(replica: Replica): boolean {
  return replica.version === null || Date.now() - replica.versionReadAt >= VERSION_REFRESH_MS;
}

/**
 * Sets the version and the choice field it calls for, and returns what they were. A report
 * of unconstrained answers is kept only while the version and field stay what they were: a
 * changed replica starts clean.
 */
function learnVersion(
  replica: Replica,
  version: string | null,
  choiceSetting: StructuredOutputSetting,
): VersionBefore {
  const before = { version: replica.version, field: replica.choiceField };
  const field = choiceFieldFor(choiceSetting, parseVllmRelease(version));
  if (version !== replica.version || field !== replica.choiceField) replica.unconstrained = null;
  replica.version = version;
  replica.choiceField = field;
  replica.versionReadAt = Date.now();
  return before;
}
