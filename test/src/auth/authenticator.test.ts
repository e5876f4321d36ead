import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { createAuthenticator } from "../../../src/auth/authenticator.ts";
import type { KeyStore } from "../../../src/store/key-store.ts";
import { createMemoryKeyStore } from "../../../src/store/memory-key-store.ts";

/**
 * The key cache against revocations announced while a lookup is out. With Redis the
 * announcement (pub/sub) and the lookup (a command) travel on different connections, so a
 * lookup the store answered before the revocation can reach the gateway after its
 * announcement. Here a memory key store stands in, wrapped so that one lookup reads the store,
 * then waits until the test lets it answer: the race, made deterministic.
 */

interface Hold {
  /** Resolves once the held lookup has read the store. */
  reached: Promise<void>;
  /** Lets the held lookup answer what it read, or fail with `error`. */
  release(error?: Error): void;
}

function holdableStore(inner: KeyStore) {
  let next: { onRead: () => void; answered: Promise<Error | undefined> } | null = null;
  let lookups = 0;
  const store: KeyStore = {
    ...inner,
    async findByHash(hash) {
      lookups += 1;
      const record = await inner.findByHash(hash);
      const held = next;
      next = null;
      if (held) {
        held.onRead();
        const error = await held.answered;
        if (error) throw error;
      }
      return record;
    },
  };
  return {
    store,
    lookups: () => lookups,
    /** Holds the next lookup after it has read the store. */
    holdNext(): Hold {
      let onRead!: () => void;
      let answer!: (error: Error | undefined) => void;
      const reached = new Promise<void>((resolve) => {
        onRead = resolve;
      });
      const answered = new Promise<Error | undefined>((resolve) => {
        answer = resolve;
      });
      next = { onRead, answered };
      return { reached, release: (error) => answer(error) };
    },
  };
}

async function setup(cacheTtlMs = 60_000) {
  const inner = createMemoryKeyStore();
  const holdable = holdableStore(inner);
  const auth = createAuthenticator({ keys: holdable.store, cacheTtlMs });
  const { plain, record } = generateApiKey("acme", "judge");
  await inner.add(record);
  return { inner, holdable, auth, record, header: `Bearer ${plain}` };
}

t.test("a key revoked while its lookup is out is neither trusted nor remembered", async (t) => {
  const { inner, holdable, auth, record, header } = await setup();
  const hold = holdable.holdNext();
  const pending = auth.authenticate(header);
  await hold.reached; // the lookup has read the key: it still existed
  t.ok(await inner.revoke(record.id), "revoked, and announced, while the lookup is out");
  hold.release();
  await t.rejects(pending, { code: "UNAUTHENTICATED" }, "the overlapping call is refused");
  await t.rejects(
    auth.authenticate(header),
    { code: "UNAUTHENTICATED" },
    "and the next one: the stale record was not cached for the TTL",
  );
  auth.close();
});

t.test("another key's revocation meanwhile costs one more lookup, nothing else", async (t) => {
  const { inner, holdable, auth, header } = await setup();
  const other = generateApiKey("other", "judge").record;
  await inner.add(other);
  const hold = holdable.holdNext();
  const pending = auth.authenticate(header);
  await hold.reached;
  await inner.revoke(other.id);
  hold.release();
  t.match(await pending, { tenant: "acme" }, "the key still valid is accepted");
  t.equal(holdable.lookups(), 2, "asked again once the revocation was heard");
  t.match(await auth.authenticate(header), { tenant: "acme" });
  t.equal(holdable.lookups(), 2, "the second answer was remembered");
  auth.close();
});

t.test("a key revoked while the store fails is not answered from the expired entry", async (t) => {
  // The expired entry is what keeps a known key working through an outage; a revocation heard
  // during the failed lookup must still take it away.
  const { inner, holdable, auth, record, header } = await setup(1);
  t.match(await auth.authenticate(header), { tenant: "acme" }, "validated and remembered");
  await sleep(5); // past the 1 ms TTL: the next call asks the store
  const hold = holdable.holdNext();
  const pending = auth.authenticate(header);
  await hold.reached;
  await inner.revoke(record.id);
  hold.release(new Error("connection lost"));
  await t.rejects(pending, { code: "STORE_UNAVAILABLE" }, "not the revoked key's principal");
  auth.close();
});

t.test("with no revocation, an outage is answered from the expired entry", async (t) => {
  const { holdable, auth, header } = await setup(1);
  await auth.authenticate(header);
  await sleep(5);
  const hold = holdable.holdNext();
  const pending = auth.authenticate(header);
  await hold.reached;
  hold.release(new Error("connection lost"));
  t.match(await pending, { tenant: "acme" }, "a recently validated key works through an outage");
  auth.close();
});

t.test(
  "remembered: a key's principal without the store, only while authenticate would",
  async (t) => {
    // The HTTP auth hook's promise-free path: whatever it answers must be what authenticate
    // would, and undefined must send the hook to authenticate.
    const { inner, holdable, auth, record, header } = await setup(20);
    t.equal(auth.remembered(header), undefined, "never validated: ask the store");
    t.same(auth.remembered(header), undefined);
    const principal = await auth.authenticate(header);
    t.same(auth.remembered(header), principal, "validated: the same principal");
    t.same(auth.remembered(header.replace("Bearer", "bearer")), principal, "the scheme any case");
    t.equal(auth.remembered(`${header}x`), undefined, "another key");
    t.equal(auth.remembered(header.slice("Bearer ".length)), undefined, "no Bearer scheme");
    t.equal(holdable.lookups(), 1, "remembered never asks the store");
    await sleep(30);
    t.equal(auth.remembered(header), undefined, "past the TTL: ask the store again");
    await auth.authenticate(header);
    t.same(auth.remembered(header), principal, "remembered again");
    await inner.revoke(record.id);
    t.equal(auth.remembered(header), undefined, "revoked: forgotten at once");
    auth.close();
  },
);
