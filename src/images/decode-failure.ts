/**
 * Whether an error sharp threw while resizing says the image's bytes would not decode (the
 * caller's fault: 415 `undecodable_image`) rather than that libvips itself failed (out of
 * memory, an internal error: the gateway's fault, a 500). The messages are libvips' own, as
 * sharp passes them on: the loaders' domains (`VipsJpeg`, `vipspng`, `webp2vips`,
 * `gifload_buffer` …) and sharp's "Input buffer has corrupt header" / "contains unsupported
 * image format". A decode failure makes the encoder fail after it ("vips2png: unable to write
 * to target"), so the first line is the one that says why. Anything mentioning memory is
 * never the caller's, whichever loader said it.
 */
export function isDecodeFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/out of memory|memory area|unable to allocate/i.test(error.message)) return false;
  const first = error.message.split("\n", 1)[0]!;
  return DECODE_FAILURE.test(first);
}

const DECODE_FAILURE = new RegExp(
  [
    // sharp's own reading of the input
    "^Input (?:buffer|file) (?:has corrupt header|contains unsupported image format)",
    // libvips loaders (libjpeg, libpng/spng, libwebp, cgif/libnsgif, the generic load step)
    "^(?:VipsJpeg|vipspng|spng|webp2vips|webp|VipsForeignLoad\\w*|(?:jpeg|png|webp|gif)load\\w*):",
  ].join("|"),
  "i",
);
