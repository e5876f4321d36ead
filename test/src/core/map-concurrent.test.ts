import t from "tap";
import { mapConcurrent } from "../../../src/core/map-concurrent.ts";

/** A promise and the function that settles it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

t.test("results in input order, whatever order the calls finish in", async (t) => {
  const delays = [30, 5, 20, 0, 10];
  const calls: [number, number][] = [];
  const results = await mapConcurrent(delays, 2, async (delay, index) => {
    calls.push([delay, index]);
    await new Promise((resolve) => setTimeout(resolve, delay));
    return `${index}:${delay}`;
  });
  t.same(results, ["0:30", "1:5", "2:20", "3:0", "4:10"]);
  t.same(
    calls.sort((a, b) => a[1] - b[1]),
    delays.map((delay, index) => [delay, index]),
    "each item once, with its own index",
  );
});

t.test("at most `limit` calls in flight, and the next starts as one ends", async (t) => {
  const pending = Array.from({ length: 5 }, () => deferred<number>());
  const started: number[] = [];
  const mapped = mapConcurrent([10, 11, 12, 13, 14], 2, (item, index) => {
    started.push(item);
    return pending[index]!.promise;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.same(started, [10, 11], "two in flight");
  pending[1]!.resolve(1);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(started, [10, 11, 12], "one ended, one more started");
  for (const [index, call] of pending.entries()) call.resolve(index);
  t.same(await mapped, [0, 1, 2, 3, 4]);
  t.same(started, [10, 11, 12, 13, 14]);
});

t.test("a limit above the number of items starts them all", async (t) => {
  const pending = Array.from({ length: 3 }, () => deferred<string>());
  let started = 0;
  const mapped = mapConcurrent(["a", "b", "c"], 8, (_item, index) => {
    started += 1;
    return pending[index]!.promise;
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(started, 3);
  for (const call of pending) call.resolve("done");
  t.same(await mapped, ["done", "done", "done"]);
});

t.test("no items: no call, an empty result", async (t) => {
  let calls = 0;
  t.same(
    await mapConcurrent([], 4, async () => {
      calls += 1;
    }),
    [],
  );
  t.equal(calls, 0);
});

t.test("a limit below one is refused before any call, not answered with holes", async (t) => {
  let calls = 0;
  const work = async (item: string) => {
    calls++;
    return item;
  };
  for (const limit of [0, -1, 0.5, Number.NaN]) {
    await t.rejects(
      mapConcurrent(["a", "b"], limit, work),
      new RangeError(`mapConcurrent: limit must be at least 1, got ${limit}`),
      `limit ${limit}`,
    );
  }
  t.equal(calls, 0);
  t.same(await mapConcurrent(["a", "b"], 1, work), ["a", "b"], "a limit of exactly 1 is allowed");
  let inFlight = 0;
  let most = 0;
  const tracked = async (item: string) => {
    most = Math.max(most, ++inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return item;
  };
  t.same(await mapConcurrent(["a", "b", "c"], 1.5, tracked), ["a", "b", "c"]);
  t.equal(most, 1, "a fractional limit counts as its whole part");
  t.same(await mapConcurrent(["a", "b"], Infinity, work), ["a", "b"]);
});

t.test("a rejected call rejects the whole map", async (t) => {
  const failure = new Error("item 2 failed");
  await t.rejects(
    mapConcurrent([1, 2, 3], 2, async (item) => {
      if (item === 2) throw failure;
      return item;
    }),
    failure,
  );
});
