import type { LookupAddress, LookupOptions } from "node:dns";
import t from "tap";
import { createAddressPolicy } from "../../../src/images/address-policy.ts";
import {
  AddressNotAllowedError,
  createGuardedLookup,
  type ResolveHost,
} from "../../../src/images/guarded-lookup.ts";

// Fake resolvers only: the lookup is called directly and no socket is ever opened.
function fakeResolver(records: Record<string, LookupAddress[]>) {
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    return records[hostname] ?? [];
  };
  return { resolve, asked };
}

type Outcome = { error: NodeJS.ErrnoException | null; address: unknown; family?: number };

function run(lookup: ReturnType<typeof createGuardedLookup>, host: string, options: LookupOptions) {
  return new Promise<Outcome>((resolve) => {
    lookup(host, options, (error, address, family) => resolve({ error, address, family }));
  });
}

const records: Record<string, LookupAddress[]> = {
  "rebind.test": [{ address: "10.0.0.1", family: 4 }],
  "mixed.test": [
    { address: "192.168.1.1", family: 4 },
    { address: "93.184.216.34", family: 4 },
    { address: "2606:2800:220:1::1", family: 6 },
    { address: "::1", family: 6 },
  ],
  "loop.test": [{ address: "127.0.0.1", family: 4 }],
  "metadata.google.internal": [{ address: "169.254.169.254", family: 4 }],
};

t.test("fails with AddressNotAllowedError when every address is refused", async (t) => {
  const { resolve } = fakeResolver(records);
  const lookup = createGuardedLookup(createAddressPolicy(), resolve);
  const { error } = await run(lookup, "rebind.test", { all: true });
  t.type(error, AddressNotAllowedError);
  t.equal(error?.code, "ERR_ADDRESS_NOT_ALLOWED");
});

t.test("hands the socket only the allowed addresses", async (t) => {
  const { resolve } = fakeResolver(records);
  const lookup = createGuardedLookup(createAddressPolicy(), resolve);
  const all = await run(lookup, "mixed.test", { all: true });
  t.equal(all.error, null);
  t.same(all.address, [
    { address: "93.184.216.34", family: 4 },
    { address: "2606:2800:220:1::1", family: 6 },
  ]);
  const one = await run(lookup, "mixed.test", {});
  t.same([one.address, one.family], ["93.184.216.34", 4]);
  const v6 = await run(lookup, "mixed.test", { family: 6 });
  t.same([v6.address, v6.family], ["2606:2800:220:1::1", 6]);
});

t.test("allow entries apply to resolved addresses", async (t) => {
  const { resolve } = fakeResolver(records);
  const lookup = createGuardedLookup(createAddressPolicy(["127.0.0.1"]), resolve);
  const outcome = await run(lookup, "loop.test", {});
  t.same([outcome.error, outcome.address], [null, "127.0.0.1"]);
});

t.test("refuses metadata hostnames without resolving them", async (t) => {
  const { resolve, asked } = fakeResolver(records);
  const lookup = createGuardedLookup(createAddressPolicy(), resolve);
  const { error } = await run(lookup, "metadata.google.internal", {});
  t.type(error, AddressNotAllowedError);
  t.same(asked, []);
});

t.test("reports unresolvable names as ENOTFOUND", async (t) => {
  const { resolve } = fakeResolver(records);
  const lookup = createGuardedLookup(createAddressPolicy(), resolve);
  t.equal((await run(lookup, "nowhere.test", {})).error?.code, "ENOTFOUND");
  t.equal((await run(lookup, "loop.test", { family: 6 })).error?.code, "ENOTFOUND");
});

t.test("passes resolver errors through", async (t) => {
  const failing: ResolveHost = async () => {
    throw Object.assign(new Error("temporary failure"), { code: "EAI_AGAIN" });
  };
  const lookup = createGuardedLookup(createAddressPolicy(), failing);
  t.equal((await run(lookup, "any.test", {})).error?.code, "EAI_AGAIN");
});
