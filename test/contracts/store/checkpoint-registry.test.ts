import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Test } from "tap";
import t from "tap";
import type {
  ChampionEvent,
  ChampionSwap,
  CheckpointRegistry,
} from "../../../src/store/checkpoint-registry.ts";
import { createMemoryCheckpointRegistry } from "../../../src/store/memory-checkpoint-registry.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { checkpoint, collect, redisRegistry, whenSubscribed } from "./checkpoint-fixtures.ts";
import { eventually } from "./eventually.ts";
import { clusterForFile, connectRedis, uniquePrefix } from "./redis-fixtures.ts";

const server = await startRedis(t);

interface Gateways {
  registry: CheckpointRegistry;
  /** Another gateway on the same state: its own connections for Redis, the same object else. */
  peer: CheckpointRegistry;
  /** Resolves once `registry` has `count` subscriptions live (server-side for Redis). */
  listening(count?: number): Promise<void>;
}

const backends: { name: string; make(t: Test): Promise<Gateways>; fsyncs?: boolean }[] = [
  {
    name: "memory",
    async make() {
      const registry = createMemoryCheckpointRegistry();
      return { registry, peer: registry, listening: async () => {} };
    },
  },
  {
    name: "memory with a file",
    fsyncs: true,
    async make(t) {
      const dir = mkdtempSync(join(tmpdir(), "jurist-registry-"));
      t.teardown(() => rm(dir, { recursive: true }));
      const registry = createMemoryCheckpointRegistry({ file: join(dir, "registry.json") });
      return { registry, peer: registry, listening: async () => {} };
    },
  },
  ...(["redis", "redis cluster"] as const).map((name) => ({
    name,
    async make(t: Test): Promise<Gateways> {
      // The cluster (3 masters on loopback) starts once for this file, on first use.
      const at = name === "redis" ? server.url : (await clusterForFile()).nodes;
      const prefix = uniquePrefix();
      const raw = await connectRedis(t, at, "");
      return {
        registry: await redisRegistry(t, at, prefix),
        peer: await redisRegistry(t, at, prefix),
        listening: (count) => whenSubscribed(raw, `${prefix}registry:events`, count),
      };
    },
  })),
];

for (const backend of backends) {
  t.test(`${backend.name} checkpoint registry`, async (t) => {
    t.test("register, get and list; a second register replaces", async (t) => {
      const { registry } = await backend.make(t);
      const a = checkpoint("a", 2);
      const b = { ...checkpoint("b", 1), kind: "full" as const, parent: "base" };
      await registry.register(a);
      await registry.register(b);
      t.same(await registry.get("a"), a);
      t.equal(await registry.get("missing"), null);
      t.same(await registry.list(), [b, a], "oldest first");
      await registry.register({ ...a, uri: "s3://elsewhere" });
      t.equal((await registry.get("a"))?.uri, "s3://elsewhere");
      t.equal(await registry.champion(), null);
      t.same(await registry.history(), []);
    });

    t.test("init and judge lineage round-trip, through status changes too", async (t) => {
      const { registry, peer } = await backend.make(t);
      const trained = { ...checkpoint("it2", 3), parent: "it1", init: "it1", judge: "champ" };
      const fromBase = { ...checkpoint("it1", 2), init: null, judge: "champ" };
      const legacy = checkpoint("legacy", 1);
      for (const record of [trained, fromBase, legacy]) await registry.register(record);
      t.same(await peer.get("it2"), trained, "init and judge kept");
      t.same(await peer.get("it1"), fromBase, "a null init is kept as null");
      t.same(await peer.get("legacy"), legacy, "a record without them reads back without them");
      t.notOk("init" in (await peer.get("legacy"))!, "no init field invented");
      await registry.setStatus("it2", "rejected", "report.json");
      t.same(await peer.get("it2"), { ...trained, status: "rejected", gateReport: "report.json" });
      await registry.promote("it1", null);
      t.same(await peer.get("it1"), { ...fromBase, status: "champion" }, "promotion keeps them");
      t.same(
        (await peer.list()).map((r) => [r.id, r.init, r.judge]),
        [
          ["legacy", undefined, undefined],
          ["it1", null, "champ"],
          ["it2", "it1", "champ"],
        ],
      );
    });

    t.test("the first promotion expects no champion", async (t) => {
      const { registry } = await backend.make(t);
      await registry.register(checkpoint("a"));
      t.same(await registry.promote("a", "someone"), {
        ok: false,
        reason: "conflict",
        actual: null,
      });
      t.same(await registry.promote("a", null), { ok: true, champion: "a", previous: null });
      t.equal(await registry.champion(), "a");
      t.same(await registry.get("a"), { ...checkpoint("a"), status: "champion" }, "record intact");
    });

    t.test("a wrong expected champion is a conflict naming the actual one", async (t) => {
      const { registry } = await backend.make(t);
      for (const id of ["a", "b"]) await registry.register(checkpoint(id));
      await registry.promote("a", null);
      const conflict = { ok: false, reason: "conflict", actual: "a" };
      t.same(await registry.promote("b", null), conflict);
      t.same(await registry.promote("b", "b"), conflict);
      t.equal(await registry.champion(), "a");
      t.equal((await registry.get("b"))?.status, "candidate", "nothing changed");
      t.equal((await registry.history()).length, 1);
    });

    t.test("an unknown checkpoint is refused and changes nothing", async (t) => {
      const { registry } = await backend.make(t);
      t.same(await registry.promote("ghost", null), { ok: false, reason: "unknown_checkpoint" });
      t.equal(await registry.champion(), null);
      t.same(await registry.history(), []);
    });

    t.test("promotion retires the old champion and records history, newest first", async (t) => {
      const { registry } = await backend.make(t);
      for (const id of ["a", "b"]) await registry.register(checkpoint(id));
      const before = Date.now();
      await registry.promote("a", null);
      t.same(await registry.promote("b", "a"), { ok: true, champion: "b", previous: "a" });
      t.equal((await registry.get("a"))?.status, "retired");
      t.equal((await registry.get("b"))?.status, "champion");
      const history = await registry.history();
      t.match(history, [
        { from: "a", to: "b", action: "promote" },
        { from: null, to: "a", action: "promote" },
      ]);
      t.ok(
        history.every((change) => change.at >= before && change.at <= Date.now()),
        "at",
      );
      t.same(await registry.history(1), history.slice(0, 1));
      t.same(await registry.history(0), []);
    });

    t.test("promoting the champion again changes nothing", async (t) => {
      const { registry } = await backend.make(t);
      await registry.register(checkpoint("a"));
      await registry.promote("a", null);
      t.same(await registry.promote("a", "a"), { ok: true, champion: "a", previous: "a" });
      t.equal((await registry.get("a"))?.status, "champion");
      t.equal((await registry.history()).length, 1);
    });

    t.test("rollback walks back along the promotions, recording each step", async (t) => {
      const { registry } = await backend.make(t);
      t.same(await registry.rollback(null), { ok: false, reason: "no_previous" });
      for (const id of ["x", "a", "b"]) await registry.register(checkpoint(id));
      await registry.promote("x", null);
      await registry.promote("a", "x");
      await registry.promote("b", "a");

      t.same(await registry.rollback("x"), { ok: false, reason: "conflict", actual: "b" });
      t.same(await registry.rollback("b"), { ok: true, champion: "a", previous: "b" });
      t.equal((await registry.get("b"))?.status, "retired");
      t.equal((await registry.get("a"))?.status, "champion");
      t.match((await registry.history())[0], { from: "b", to: "a", action: "rollback" });

      t.same(
        await registry.rollback("a"),
        { ok: true, champion: "x", previous: "a" },
        "a second rollback goes further back, not back to b",
      );
      t.same(await registry.rollback("x"), { ok: false, reason: "no_previous" }, "x was first");
      t.equal(await registry.champion(), "x");

      await registry.promote("b", "x");
      t.same(
        await registry.rollback("b"),
        { ok: true, champion: "x", previous: "b" },
        "b's newest promotion came from x",
      );
      t.same(
        (await registry.history()).map((c) => `${c.action}:${c.from}>${c.to}`),
        [
          "rollback:b>x",
          "promote:x>b",
          "rollback:a>x",
          "rollback:b>a",
          "promote:a>b",
          "promote:x>a",
          "promote:null>x",
        ],
      );
    });

    // The cap is the same code with or without a file; 1,002 fsyncs would only slow the suite.
    t.test("history keeps the newest 1,000 changes", { skip: backend.fsyncs }, async (t) => {
      const { registry } = await backend.make(t);
      for (const id of ["a", "b"]) await registry.register(checkpoint(id));
      let champion: string | null = null;
      let refused = 0;
      for (let i = 0; i < 1_002; i++) {
        const next: string = champion === "a" ? "b" : "a";
        if (!(await registry.promote(next, champion)).ok) refused++;
        champion = next;
      }
      t.equal(refused, 0, "1,002 promotions");
      const history = await registry.history();
      t.equal(history.length, 1_000);
      t.equal(history[0]?.to, champion);
    });

    t.test("setStatus records gate outcomes but never moves the champion", async (t) => {
      const { registry } = await backend.make(t);
      for (const id of ["a", "b"]) await registry.register(checkpoint(id));
      await registry.promote("a", null);
      await registry.setStatus("b", "rejected", "reports/b.json");
      t.match(await registry.get("b"), { status: "rejected", gateReport: "reports/b.json" });
      await registry.setStatus("b", "candidate");
      t.match(await registry.get("b"), { status: "candidate", gateReport: "reports/b.json" });
      await registry.setStatus("b", "candidate", null);
      t.match(await registry.get("b"), { gateReport: null });

      await t.rejects(registry.setStatus("ghost", "rejected"), { code: "NOT_FOUND" });
      await t.rejects(registry.setStatus("b", "champion"), { code: "CONFLICT" });
      await t.rejects(registry.setStatus("a", "retired"), { code: "CONFLICT" });
      await registry.setStatus("a", "champion", "reports/a.json");
      t.match(await registry.get("a"), { status: "champion", gateReport: "reports/a.json" });
    });

    t.test("concurrent promotions from the same champion: exactly one wins", async (t) => {
      const { registry, peer } = await backend.make(t);
      let champion: string | null = null;
      for (let round = 0; round < 20; round++) {
        const [left, right] = [`left-${round}`, `right-${round}`];
        await registry.register(checkpoint(left));
        await registry.register(checkpoint(right));
        const swaps: ChampionSwap[] = await Promise.all([
          registry.promote(left, champion),
          peer.promote(right, champion),
        ]);
        const winners = swaps.filter((swap) => swap.ok);
        t.equal(winners.length, 1, `round ${round}: one winner`);
        const winner: string | null = winners[0]?.ok ? winners[0].champion : null;
        t.same(
          swaps.find((swap) => !swap.ok),
          { ok: false, reason: "conflict", actual: winner },
        );
        t.equal(await peer.champion(), winner);
        champion = winner;
      }
      t.equal((await registry.history()).length, 20);
    });

    t.test("subscribers hear every change from another gateway until they leave", async (t) => {
      const { registry, peer, listening } = await backend.make(t);
      for (const id of ["a", "b"]) await registry.register(checkpoint(id));
      const leaving: ChampionEvent[] = [];
      const unsubscribe = registry.subscribe((event) => leaving.push(event));
      const staying = collect(t, registry);
      await listening();
      await peer.promote("a", null);
      t.ok(await eventually(() => staying.length === 1), "the promotion arrives");
      t.same(staying, [{ champion: "a", previous: null, action: "promote" }]);
      t.same(leaving, staying);

      unsubscribe();
      await peer.promote("b", "a");
      await peer.rollback("b");
      t.ok(await eventually(() => staying.length === 3), "both changes arrive");
      t.same(staying.slice(1), [
        { champion: "b", previous: "a", action: "promote" },
        { champion: "a", previous: "b", action: "rollback" },
      ]);
      t.equal(leaving.length, 1, "nothing after unsubscribing");
    });
  });
}

t.test("memory with a file: a new instance resumes records, champion and history", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "jurist-registry-"));
  t.teardown(() => rm(dir, { recursive: true }));
  const file = join(dir, "registry.json");
  const first = createMemoryCheckpointRegistry({ file });
  for (const id of ["a", "b"]) await first.register(checkpoint(id));
  await first.register({ ...checkpoint("c", 2), parent: "b", init: "b", judge: "a" });
  await first.promote("a", null);
  await first.promote("b", "a");
  await first.setStatus("a", "rejected", "reports/a.json");

  const second = createMemoryCheckpointRegistry({ file });
  t.same(await second.list(), await first.list());
  t.match(await second.get("c"), { parent: "b", init: "b", judge: "a" }, "lineage from the file");
  t.equal(await second.champion(), "b");
  t.same(await second.history(), await first.history());
  t.same(await second.rollback("b"), { ok: true, champion: "a", previous: "b" });
});
