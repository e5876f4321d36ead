import { readFileSync, writeFileSync } from "node:fs";

/** What /proc/PID/stat counts for a process since it started. */
export interface ProcessUsage {
  /** User CPU, seconds. */
  userSeconds: number;
  /** System (kernel) CPU, seconds: page faults, copies into fresh pages, socket I/O. */
  systemSeconds: number;
  /** Minor plus major page faults. */
  pageFaults: number;
}

/** Clock ticks per second of /proc's CPU fields (USER_HZ, 100 on Linux everywhere). */
const TICKS_PER_SECOND = 100;

/**
 * Reads the fields of a /proc/PID/stat line (proc(5)): minflt (10), majflt (12), utime (14),
 * stime (15). The command name (field 2) may hold spaces and parentheses, so fields are
 * counted from the last ") ".
 */
export function parseProcStat(line: string): ProcessUsage {
  const fields = line.slice(line.lastIndexOf(") ") + 2).split(" ");
  // fields[0] is field 3 (state): field n is fields[n - 3].
  const field = (n: number) => Number(fields[n - 3]);
  return {
    userSeconds: field(14) / TICKS_PER_SECOND,
    systemSeconds: field(15) / TICKS_PER_SECOND,
    pageFaults: field(10) + field(12),
  };
}

/** Process `pid`'s usage so far, from /proc; every figure NaN where unreadable. */
export function processUsage(pid: number): ProcessUsage {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return { userSeconds: Number.NaN, systemSeconds: Number.NaN, pageFaults: Number.NaN };
  }
}

/** CPU seconds process `pid` has used (user + system), from /proc; NaN where unreadable. */
export function cpuSeconds(pid: number): number {
  const usage = processUsage(pid);
  return usage.userSeconds + usage.systemSeconds;
}

/** A `Vm…: N kB` line of /proc/PID/status in bytes (`VmRSS`, `VmHWM`); NaN when absent. */
export function statusBytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function readStatus(pid: number, field: string): number {
  try {
    return statusBytes(readFileSync(`/proc/${pid}/status`, "utf8"), field);
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of process `pid` in bytes (VmRSS from /proc); NaN where unreadable. */
export function rssBytes(pid: number): number {
  return readStatus(pid, "VmRSS");
}

/** The highest RSS of process `pid` since it started or since `resetPeakRss` (VmHWM), bytes. */
export function peakRssBytes(pid: number): number {
  return readStatus(pid, "VmHWM");
}

/**
 * Resets process `pid`'s VmHWM to its current RSS (writing "5" to /proc/PID/clear_refs,
 * Linux ≥ 4.0, needs the right to write there: the same user or root). False if refused.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
