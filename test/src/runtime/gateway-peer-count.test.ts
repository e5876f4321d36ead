import { pino } from "pino";
import t from "tap";
import type { PeerDiscovery } from "../../../src/config/admission-settings.ts";
import { createGatewayPeerCount } from "../../../src/runtime/gateway-peer-count.ts";
import type { GatewayPeers } from "../../../src/store/gateway-peers.ts";
import { createMemoryGatewayPeers } from "../../../src/store/memory-gateway-peers.ts";

/**
 * How a gateway counts its peers, each way it can: beats into a store (`auto`), a DNS name's
 * records, a fixed number; and what it does when the count cannot be read: keeps the last one
 * (falling back to 1 would let every gateway admit the whole replica). Driven by `refresh()`,
 * never by the interval (an hour here).
 */

/** A store that fails while `down` is true. */
function flakyStore(inner: GatewayPeers) {
  const state = { down: false };
  const store: GatewayPeers = {
    beat: (...args) => (state.down ? Promise.reject(new Error("redis down")) : inner.beat(...args)),
    leave: (gateway) =>
      state.down ? Promise.reject(new Error("redis down")) : inner.leave(gateway),
  };
  return { store, state };
}

function counter(
  discovery: PeerDiscovery,
  store: GatewayPeers,
  resolveAll?: () => Promise<string[]>,
) {
  const counts: number[] = [];
  let failures = 0;
  const count = createGatewayPeerCount({
    discovery,
    intervalMs: 3_600_000,
    store,
    resolveAll,
    logger: pino({ level: "silent" }),
    onCount: (gateways) => counts.push(gateways),
    onFailure: () => failures++,
  });
  return { count, counts, failures: () => failures };
}

t.test("auto: the gateways beating into one store count each other", async (t) => {
  const shared = createMemoryGatewayPeers();
  const a = counter({ kind: "auto" }, shared);
  const b = counter({ kind: "auto" }, shared);
  await a.count.start();
  t.teardown(() => a.count.stop());
  t.equal(a.count.gateways(), 1, "the first one is alone");
  await b.count.start();
  t.equal(b.count.gateways(), 2, "the second sees both");
  await a.count.refresh();
  t.equal(a.count.gateways(), 2, "and the first sees it on its next count");
  t.not(a.count.id, b.count.id, "each gateway its own id");
  await b.count.stop();
  await a.count.refresh();
  t.equal(a.count.gateways(), 1, "a gateway that stops leaves at once");
  t.same(a.counts, [1, 2, 1], "every count reported");
});

t.test("auto: an unreachable store keeps the last known count", async (t) => {
  const shared = createMemoryGatewayPeers();
  await shared.beat("other-1", Date.now(), 60_000);
  await shared.beat("other-2", Date.now(), 60_000);
  const { store, state } = flakyStore(shared);
  const gateway = counter({ kind: "auto" }, store);
  await gateway.count.start();
  t.equal(gateway.count.gateways(), 3);
  state.down = true;
  await gateway.count.refresh();
  await gateway.count.refresh();
  t.equal(gateway.count.gateways(), 3, "still 3, not 1");
  t.equal(gateway.failures(), 2, "each failed count is reported");
  await gateway.count.stop();
  t.pass("stopping while the store is down does not throw (the entry expires on its own)");
  state.down = false;
  await gateway.count.refresh();
  t.equal(gateway.count.gateways(), 3, "counted again once the store is back");
});

t.test("auto: a store unreachable from the start counts this gateway alone", async (t) => {
  const { store, state } = flakyStore(createMemoryGatewayPeers());
  state.down = true;
  const gateway = counter({ kind: "auto" }, store);
  await gateway.count.start();
  t.teardown(() => gateway.count.stop());
  t.equal(gateway.count.gateways(), 1);
  t.equal(gateway.failures(), 1);
});

t.test("dns: the distinct addresses of the name, last known on a failed lookup", async (t) => {
  let answer: string[] | Error = ["10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.3"];
  const resolveAll = async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const gateway = counter({ kind: "dns", hostname: "gw" }, createMemoryGatewayPeers(), resolveAll);
  await gateway.count.start();
  t.teardown(() => gateway.count.stop());
  t.equal(gateway.count.gateways(), 3, "3 distinct addresses");
  answer = new Error("ENOTFOUND gw");
  await gateway.count.refresh();
  t.equal(gateway.count.gateways(), 3, "a failed lookup keeps 3");
  answer = [];
  await gateway.count.refresh();
  t.equal(gateway.count.gateways(), 1, "no record (this one not ready yet): at least itself");
});

// A dual-stack headless Service (ipFamilyPolicy PreferDualStack or RequireDualStack) answers
// an A and an AAAA record for every ready pod, and node's lookup with `all` returns both: each
// gateway counted twice would admit half its share. Pods are counted per family, the larger.
t.test("dns: a dual-stack name counts each gateway once, not once per family", async (t) => {
  const resolveAll = async () => ["10.0.0.1", "fd00::1", "10.0.0.2", "fd00::2", "fd00::3"];
  const gateway = counter({ kind: "dns", hostname: "gw" }, createMemoryGatewayPeers(), resolveAll);
  await gateway.count.start();
  t.teardown(() => gateway.count.stop());
  t.equal(gateway.count.gateways(), 3, "3 IPv6 addresses (one pod without IPv4 yet), not 5");
});

t.test("a fixed count is used as it is, with no store", async (t) => {
  const { store, state } = flakyStore(createMemoryGatewayPeers());
  state.down = true;
  const gateway = counter({ kind: "static", count: 4 }, store);
  await gateway.count.start();
  await gateway.count.stop();
  t.equal(gateway.count.gateways(), 4);
  t.same(gateway.counts, [4]);
  t.equal(gateway.failures(), 0, "the store is never asked");
});
