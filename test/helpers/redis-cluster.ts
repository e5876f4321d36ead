import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Teardown } from "./gateway.ts";
import { freePort, waitForReady } from "./redis-server.ts";

const run = promisify(execFile);

/**
 * A throwaway 3-master Redis Cluster on loopback, as an operator would build one (Redis 7:
 * `redis-server --cluster-enabled yes`, then `redis-cli --cluster create … --cluster-replicas
 * 0`). No persistence (`--save ''`, `--appendonly no`): each test file starts its own.
 */
export interface TestRedisCluster {
  /** `127.0.0.1:<port>` of each master, for JURIST_REDIS_CLUSTER_NODES. */
  nodes: string[];
  ports: number[];
  /** `redis-cli` against one node (`-p <port>`), returning stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The master that owns the slot of `key` (its hash tag when it has one). */
  ownerOf(key: string): Promise<{ port: number; id: string }>;
  /**
   * Moves `slots` slots from one master to another with `redis-cli --cluster reshard`
   * (MIGRATE in batches, CLUSTER SETSLOT … NODE at the end), as an operator resharding a
   * live cluster would; resolves when the reshard finished and every node reports ok.
   */
  reshard(from: number, to: number, slots: number): Promise<void>;
  /** The first slot a master owns (reshard moves a node's slots from its lowest up). */
  firstSlot(port: number): Promise<number>;
}

/** Whether `port` can be bound on loopback now. */
async function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free data port whose cluster bus port (data port + 10000) is free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await portFree(port + 10_000))) return port;
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} not reached in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the cluster for a test file; every node is killed when `t` ends. */
export async function startRedisCluster(t: Teardown): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "jurist-redis-cluster-"));
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }),
    );
  });
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await clusterPort();
    const child = spawn(
      "redis-server",
      [
        ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
        ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
        ...["--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no"],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    await waitForReady(child);
    ports.push(port);
  }
  const nodes = ports.map((port) => `127.0.0.1:${port}`);
  const cli = async (port: number, ...args: string[]) =>
    (await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])).stdout;
  await run("redis-cli", [
    "--cluster",
    "create",
    ...nodes,
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  const allOk = async () => {
    for (const port of ports) {
      if (!(await cli(port, "cluster", "info")).includes("cluster_state:ok")) return false;
    }
    return true;
  };
  await until("cluster_state:ok", allOk);
  const idOf = async (port: number) => (await cli(port, "cluster", "myid")).trim();

  async function ownerOf(key: string) {
    const slot = Number((await cli(ports[0]!, "cluster", "keyslot", key)).trim());
    for (const port of ports) {
      const mine = (await cli(port, "cluster", "nodes"))
        .split("\n")
        .find((l) => l.includes("myself"));
      if (mine && ownsSlot(mine, slot)) return { port, id: await idOf(port) };
    }
    throw new Error(`no master owns slot ${slot}`);
  }

  return {
    nodes,
    ports,
    cli,
    ownerOf,
    async firstSlot(port) {
      const line = (await cli(port, "cluster", "nodes"))
        .split("\n")
        .find((l) => l.includes("myself"))!;
      const ranges = line.split(" ").slice(8);
      return Math.min(...ranges.map((range) => Number(range.split("-")[0])));
    },
    async reshard(from, to, slots) {
      await run(
        "redis-cli",
        [
          "--cluster",
          "reshard",
          `127.0.0.1:${from}`,
          ...["--cluster-from", await idOf(from), "--cluster-to", await idOf(to)],
          ...["--cluster-slots", String(slots), "--cluster-yes"],
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      await until("cluster_state:ok after the reshard", allOk);
    },
  };
}

/** Whether a `CLUSTER NODES` line's slot ranges (`0-5460`, `7000`) include `slot`. */
function ownsSlot(line: string, slot: number): boolean {
  return line
    .split(" ")
    .slice(8)
    .filter((range) => !range.startsWith("["))
    .some((range) => {
      const [start, end] = range.split("-").map(Number);
      return slot >= start! && slot <= (end ?? start!);
    });
}
