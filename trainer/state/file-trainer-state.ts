import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../io/record-journal.ts";
import {
  freshIteration,
  type IterationState,
  type TrainerStateStore,
  type WorkerStatus,
} from "./trainer-state.ts";

/** The directory of iteration `n` under `<data dir>/trainer`. */
export function iterationDir(trainerDir: string, n: number): string {
  return join(trainerDir, `iteration-${n}`);
}

const isCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException)?.code === code;

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (error) {
    if (isCode(error, "ENOENT")) return null;
    throw error;
  }
}

interface LeaseFile {
  owner: string;
  host: string;
  pid: number;
  until: number;
}

/** Whether process `pid` on this host still runs (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, "EPERM");
  }
}

/**
 * The trainer's state in files: `iteration-<n>/state.json` beside each iteration's stage
 * files, `status.json` and a `worker.lease` file. A lease whose process is gone (same host)
 * or whose time ran out is taken over; the lease file is created exclusively, so of two
 * starting workers exactly one wins.
 */
export function createFileTrainerState(trainerDir: string): TrainerStateStore {
  const leasePath = join(trainerDir, "worker.lease");
  const stale = (lease: LeaseFile) =>
    lease.until < Date.now() || (lease.host === hostname() && !alive(lease.pid));

  async function writeLease(owner: string, ttlMs: number, exclusive: boolean): Promise<boolean> {
    const lease: LeaseFile = {
      owner,
      host: hostname(),
      pid: process.pid,
      until: Date.now() + ttlMs,
    };
    if (!exclusive) {
      await writeFileAtomic(leasePath, JSON.stringify(lease));
      return true;
    }
    // The first lease on a fresh data directory is taken before anything else wrote there.
    await mkdir(trainerDir, { recursive: true });
    try {
      const handle = await open(leasePath, "wx");
      await handle.writeFile(JSON.stringify(lease));
      await handle.close();
      return true;
    } catch (error) {
      if (isCode(error, "EEXIST")) return false;
      throw error;
    }
  }

  return {
    async iteration(n) {
      return (
        (await readJson<IterationState>(join(iterationDir(trainerDir, n), "state.json"))) ??
        freshIteration(n)
      );
    },
    async saveIteration(state) {
      const next = { ...state, updatedAt: new Date().toISOString() };
      const path = join(iterationDir(trainerDir, state.iteration), "state.json");
      await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
    },
    async iterations() {
      let names: string[];
      try {
        names = await readdir(trainerDir);
      } catch (error) {
        if (isCode(error, "ENOENT")) return [];
        throw error;
      }
      return names
        .map((name) => /^iteration-(\d+)$/.exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    },
    status: () => readJson<WorkerStatus>(join(trainerDir, "status.json")),
    async saveStatus(status) {
      await writeFileAtomic(
        join(trainerDir, "status.json"),
        `${JSON.stringify(status, null, 2)}\n`,
      );
    },
    async acquireLease(owner, ttlMs) {
      const current = await readJson<LeaseFile>(leasePath).catch(() => null);
      if (current?.owner === owner) return writeLease(owner, ttlMs, false);
      if (current && !stale(current)) return false;
      if (current) await rm(leasePath, { force: true });
      return writeLease(owner, ttlMs, true);
    },
    async releaseLease(owner) {
      const current = await readJson<LeaseFile>(leasePath).catch(() => null);
      if (current?.owner === owner) await rm(leasePath, { force: true });
    },
  };
}
