import t from "tap";
import { settleBudgeted } from "../../../src/images/budgeted-image.ts";
import { createImageIntake } from "../../../src/images/image-intake.ts";
import type { ImageObserver } from "../../../src/images/image-observer.ts";
import { createResizeSlots } from "../../../src/images/resize-slots.ts";
import { encodedImage } from "./budget-images.ts";
import { dataUri } from "./image-bytes.ts";

// Resizes hold libuv threadpool threads, which dns.lookup (the SSRF-guarded fetcher) and fs
// share: at most JURIST_IMAGE_RESIZE_CONCURRENCY run at once, the rest wait, and a waiting one
// gives up when its request does.

/**
 * Lets every queued microtask run, and nothing else: no timer, I/O or sharp completion (those
 * arrive as event-loop callbacks), so what is running cannot finish while this waits.
 */
async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 100; i++) await null;
}

function intakeFor(t: { teardown(fn: () => unknown): void }, resizeConcurrency: number) {
  const events: string[] = [];
  const observer: ImageObserver = {
    resized: (mime) => events.push(`resized ${mime}`),
    refused: (reason) => events.push(`refused ${reason}`),
  };
  const intake = createImageIntake({ observer, resizeConcurrency });
  t.teardown(() => intake.close());
  return { intake, events };
}

t.test("a burst of large photos resizes two at a time; the rest wait their turn", async (t) => {
  const { intake, events } = intakeFor(t, 2);
  const photos = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) => encodedImage("jpeg", 2000 + i, 1500)),
  );
  const burst = photos.map((photo) => intake.resolve([{ url: dataUri("image/jpeg", photo) }]));
  await settleMicrotasks();
  t.same(intake.resizes(), { running: 2, waiting: 4 }, "two decode at once, four queue");
  const resolved = await Promise.all(burst);
  t.equal(resolved.length, 6, "every request was answered");
  t.same(events, Array(6).fill("resized image/jpeg"));
  t.same(intake.resizes(), { running: 0, waiting: 0 });
});

t.test("a resize waiting for a slot gives up when its request is aborted", async (t) => {
  const { intake, events } = intakeFor(t, 1);
  const photo = await encodedImage("jpeg", 3000, 2000);
  const first = intake.resolve([{ url: dataUri("image/jpeg", photo) }]);
  const caller = new AbortController();
  const second = intake.resolve([{ url: dataUri("image/jpeg", photo) }], caller.signal);
  await settleMicrotasks();
  t.same(intake.resizes(), { running: 1, waiting: 1 });
  const gone = new Error("client went away");
  caller.abort(gone);
  await t.rejects(second, gone, "rejects with the request's reason");
  t.same(intake.resizes(), { running: 1, waiting: 0 }, "its place in the queue is freed");
  t.equal((await first).length, 1);
  t.same(events, ["resized image/jpeg"], "the aborted request's image was never resized");
});

t.test("a request's other queued resizes are dropped when one of its images fails", async (t) => {
  const slots = createResizeSlots(1);
  let started = 0;
  let unblock = () => {};
  const holding = slots.run(() => new Promise<void>((resolve) => (unblock = resolve)));
  const failure = new Error("undecodable");
  const settling = settleBudgeted(
    [
      {
        sha256: "a",
        decodedBytes: 0,
        resize: async () => {
          started++;
          throw failure;
        },
      },
      {
        sha256: "b",
        decodedBytes: 0,
        resize: async () => {
          started++;
          throw new Error("not reached");
        },
      },
    ],
    { slots },
  );
  await settleMicrotasks();
  t.equal(slots.waiting, 2);
  unblock();
  await holding;
  await t.rejects(Promise.resolve(settling), failure);
  await settleMicrotasks();
  t.equal(started, 1, "the sibling waiting behind the failure never started");
  t.same([slots.running, slots.waiting], [0, 0]);
});

t.test("the concurrency must be a positive integer", async (t) => {
  t.throws(() => createResizeSlots(0), TypeError);
  t.throws(() => createResizeSlots(1.5), TypeError);
  t.throws(() => createImageIntake({ resizeConcurrency: 0 }));
});
