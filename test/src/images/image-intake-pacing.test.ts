import { randomBytes } from "node:crypto";
import t from "tap";
import { pngFile } from "../../../sim/png-image.ts";
import { createInflightBytes, type Reservation } from "../../../src/core/inflight-bytes.ts";
import { createImageIntake } from "../../../src/images/image-intake.ts";
import { dataUri, PNG } from "./image-bytes.ts";

/**
 * A request's data URIs are decoded, checked and hashed one after the other with turns of the
 * event loop between large ones, so other requests and health probes are served between its
 * images rather than after all of them (issue 18: `/healthz` stalled for seconds under five
 * bodies of eight ~7 MB images). What the tests watch is a turn of the loop queued before the
 * check (`setImmediate`), and how much of the request it saw decoded: its reservation.
 */

const MIB = 1024 * 1024;

function intake(t: { teardown(fn: () => unknown): void }) {
  const created = createImageIntake({ maxBytes: 4 * MIB });
  t.teardown(() => created.close());
  return created;
}

/** A PNG of a few pixels carrying 1.5 MB of data: checked by its header, never decoded. */
const largeImage = () => ({
  url: dataUri(
    "image/png",
    pngFile({ width: 8, height: 8, bitDepth: 8, colorType: 2 }, randomBytes(1.5 * MIB)),
  ),
});

/** What the request held when a loop turn queued now ran; undefined if it has not run. */
function heldAtNextTurn(reservation: Reservation) {
  const seen: { bytes?: number } = {};
  setImmediate(() => {
    seen.bytes = reservation.bytes;
  });
  return seen;
}

const budget = () => createInflightBytes(1024 * MIB).reserve(0);

t.test("the loop turns between large data URIs, with some of them decoded", async (t) => {
  const images = [largeImage(), largeImage(), largeImage()];
  const reservation = budget();
  const atTurn = heldAtNextTurn(reservation);
  const checked = await intake(t).check(images, undefined, reservation);
  t.equal(checked.length, 3, "every image checked");
  t.ok(atTurn.bytes !== undefined, "a turn of the loop ran before the check ended");
  t.ok(atTurn.bytes! > 0, "after the first image was decoded");
  t.ok(atTurn.bytes! < reservation.bytes, "before the last one was");
});

t.test("small data URIs are checked without a loop turn", async (t) => {
  // The verdict path's common case pays nothing for the pacing.
  const reservation = budget();
  const atTurn = heldAtNextTurn(reservation);
  const checked = await intake(t).check(
    [{ url: dataUri("image/png", PNG) }, { url: dataUri("image/png", PNG) }],
    undefined,
    reservation,
  );
  t.equal(checked.length, 2);
  t.equal(atTurn.bytes, undefined, "the check ended before any turn");
});

t.test("a caller that aborts between images stops the rest being decoded", async (t) => {
  const images = [largeImage(), largeImage(), largeImage()];
  const reservation = budget();
  const controller = new AbortController();
  const reason = new Error("the client went away");
  setImmediate(() => controller.abort(reason));
  await t.rejects(intake(t).check(images, controller.signal, reservation), reason);
  const oneImage = 1.5 * MIB;
  t.ok(reservation.bytes < 3 * oneImage, "not every image was decoded");
});
