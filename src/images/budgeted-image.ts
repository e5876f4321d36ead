import { createHash } from "node:crypto";
import { AppError } from "../core/errors.ts";
import { readImageHeader } from "../core/image-header.ts";
import { sniffImageMime } from "../core/image-magic.ts";
import { linkSignals } from "../core/signals.ts";
import type { DataUri, ResolvedImage } from "../core/types.ts";
import { checkDeclaredSize, fittedSize, type ImageBudget } from "./image-budget.ts";
import {
  IMAGE_REFUSALS,
  type ImageObserver,
  type ImageRefusal,
  NO_IMAGE_OBSERVER,
} from "./image-observer.ts";
import { resizeImage } from "./image-resizer.ts";
import type { ResizeSlots } from "./resize-slots.ts";

/**
 * An image checked against the budget, with its identity (`sha256` of the bytes as they came,
 * what verdict cache keys use) and either `ready` to forward as it came, or `resize`, a resize
 * to start only once it is known to be needed: after every image of the request has passed its
 * checks (so that a later image's refusal never leaves an earlier one's resize running
 * unobserved), and after the verdict cache has missed (a cached verdict needs no pixels).
 */
export type BudgetedImage =
  | { sha256: string; ready: ResolvedImage }
  | {
      sha256: string;
      resize: () => Promise<ResolvedImage>;
      /**
       * What decoding it for the resize may take at most, bytes: its declared pixels at 4
       * bytes each (RGBA), held against the in-flight budget from the check on.
       */
      decodedBytes: number;
    };

const REFUSALS = new Set<string>(IMAGE_REFUSALS);

const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Counts `error` as a refusal when it is one of the budget's own. */
function observed(error: unknown, observer: ImageObserver): unknown {
  const reason = error instanceof AppError ? error.details?.[0]?.reason : undefined;
  if (reason && REFUSALS.has(reason)) observer.refused(reason as ImageRefusal);
  return error;
}

/**
 * Checks one image's bytes against `budget`, synchronously and without decoding a pixel: the
 * type by its magic bytes, the size its header declares against the input ceiling. Hashes the
 * bytes as they came: that hash stays the image's identity (verdict cache keys) even when the
 * replicas get a resized copy. An image within the forwarded budget is ready as it came —
 * its base64 reused when the caller sent it that way, nothing decoded or re-encoded.
 *
 * Throws AppError UNSUPPORTED_MEDIA (`unsupported_image_type`, `invalid_image_header`) or
 * IMAGE_TOO_LARGE (`too_many_pixels`, `edge_too_long`); the started resize may reject with
 * UNSUPPORTED_MEDIA (`undecodable_image`) or IMAGE_TOO_LARGE.
 */
export function budgetImage(
  bytes: Buffer,
  path: string,
  budget: ImageBudget,
  observer: ImageObserver,
  sent?: SentDataUri,
): BudgetedImage {
  // The mime is the sniffed one, never the declared one: a data URI labelled image/png whose
  // bytes are a JPEG is re-labelled, not rejected. Only the bytes reach the engine, which
  // decodes by content too, so the label carries no risk — while rejecting would fail honest
  // clients whose tools mislabel files, for no gain.
  const mime = sniffImageMime(bytes);
  if (!mime) {
    throw new AppError("UNSUPPORTED_MEDIA", `${path} is not a PNG, JPEG, WebP or GIF image`, {
      details: [{ path, reason: "unsupported_image_type" }],
    });
  }
  const header = readImageHeader(bytes, mime);
  let target: ReturnType<typeof fittedSize>;
  let declared: { width: number; height: number };
  try {
    declared = checkDeclaredSize(header, budget, path);
    target = fittedSize(declared, budget);
  } catch (error) {
    throw observed(error, observer);
  }
  const sha256 = sha256Of(bytes);
  if (!target) {
    return {
      sha256,
      ready: {
        sha256,
        mime,
        dataUri: forwardedDataUri(mime, bytes, sent),
        byteLength: bytes.length,
      },
    };
  }
  const size = target;
  // Intake's decoded bytes are borrowed (`data-uri.ts`): a resize starts later, so it keeps a
  // copy. Rare: only images over the budget get here.
  const kept = Buffer.from(bytes);
  return {
    sha256,
    decodedBytes: declared.width * declared.height * 4,
    resize: async () => {
      const resized = await resizeImage({
        bytes: kept,
        path,
        lossy: header?.lossy ?? false,
        target: size,
        maxInputPixels: budget.maxInputPixels,
      }).catch((error: unknown) => {
        throw observed(error, observer);
      });
      observer.resized(resized.mime);
      return {
        sha256,
        mime: resized.mime,
        dataUri: `data:${resized.mime};base64,${resized.bytes.toString("base64")}`,
        byteLength: resized.bytes.length,
        originalDataUri: forwardedDataUri(mime, kept, sent),
      };
    },
  };
}

/** A data URI as the caller sent it, strictly validated: canonical base64 of the bytes. */
export interface SentDataUri {
  /** The payload after `;base64,`. */
  base64: DataUri;
  /** The whole URI, header included. */
  uri: DataUri;
}

function startsWithHeader(uri: DataUri, header: string): boolean {
  if (typeof uri === "string") return uri.startsWith(header);
  if (uri.length < header.length) return false;
  for (let index = 0; index < header.length; index += 1) {
    if (uri[index] !== header.charCodeAt(index)) return false;
  }
  return true;
}

/**
 * The data URI the replicas get for bytes forwarded as they came. The caller's own URI when
 * its header names the sniffed type: no copy at all (for a string, a template literal would be
 * flattened into a second copy of the payload the first time it is serialized; for bytes, a
 * slice of the request body). Otherwise the caller's payload under the sniffed type's header
 * (copied once: rare, a mislabelled image), or the bytes encoded (a fetched image).
 */
function forwardedDataUri(mime: string, bytes: Buffer, sent: SentDataUri | undefined): DataUri {
  const header = `data:${mime};base64,`;
  if (
    sent &&
    sent.uri.length === header.length + sent.base64.length &&
    startsWithHeader(sent.uri, header)
  ) {
    return sent.uri;
  }
  if (sent && typeof sent.base64 !== "string")
    return Buffer.concat([Buffer.from(header), sent.base64]);
  return `${header}${sent?.base64 ?? bytes.toString("base64")}`;
}

/** How {@link settleBudgeted} runs the resizes. */
export interface SettleOptions {
  /** Bounds the resizes running at once, across requests; omitted → unbounded. */
  slots?: ResizeSlots | undefined;
  /** The request's deadline and disconnect: a resize still waiting for a slot gives up. */
  signal?: AbortSignal | undefined;
}

/**
 * Starts the resizes `images` need (call it after all were checked, and only when their
 * pixels are needed) and answers them in order. The first failure rejects, and the request's
 * other resizes still waiting for a slot are dropped rather than started.
 */
export function settleBudgeted(
  images: readonly BudgetedImage[],
  options: SettleOptions = {},
): ResolvedImage[] | Promise<ResolvedImage[]> {
  if (images.every((image) => "ready" in image)) {
    return images.map((image) => (image as { ready: ResolvedImage }).ready);
  }
  const { slots, signal } = options;
  if (!slots) {
    return Promise.all(images.map((image) => ("ready" in image ? image.ready : image.resize())));
  }
  const siblings = linkSignals(signal);
  // The siblings are aborted inside the slot, before it is handed on: a sibling next in the
  // queue must leave it, not take the slot.
  const resizeOrAbortSiblings = (resize: () => Promise<ResolvedImage>) => () =>
    resize().catch((error: unknown) => {
      siblings.abort(error);
      throw error;
    });
  return Promise.all(
    images.map((image) =>
      "ready" in image
        ? image.ready
        : slots.run(resizeOrAbortSiblings(image.resize), siblings.signal),
    ),
  ).finally(() => siblings.dispose());
}

/** Image bytes and the name errors give them (a file path, `images.0.url`). */
export interface LabelledImage {
  bytes: Buffer;
  label: string;
}

/**
 * Images read from elsewhere than a request (the trainer's seed and benchmark files) fitted to
 * `budget` exactly as the gateway's intake fits a request's: every one checked first, then
 * the resizes of those over the budget started; each hashed as it came. Rejects with the
 * errors of {@link budgetImage} and its resize (see {@link budgetRefusal}).
 */
export async function fitToBudget(
  images: readonly LabelledImage[],
  budget: ImageBudget,
  observer: ImageObserver = NO_IMAGE_OBSERVER,
): Promise<ResolvedImage[]> {
  return settleBudgeted(
    images.map(({ bytes, label }) => budgetImage(bytes, label, budget, observer)),
  );
}

/**
 * Why the budget refused an image — `unsupported_image_type`, `invalid_image_header`,
 * `too_many_pixels`, `edge_too_long` or `undecodable_image` — when `error` is such a refusal
 * (the image itself is at fault, and will be every time); undefined for any other error.
 */
export function budgetRefusal(error: unknown): string | undefined {
  if (!(error instanceof AppError)) return undefined;
  if (error.code !== "UNSUPPORTED_MEDIA" && error.code !== "IMAGE_TOO_LARGE") return undefined;
  return error.details?.[0]?.reason ?? error.code;
}
