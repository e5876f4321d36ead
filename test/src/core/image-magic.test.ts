import t from "tap";
import { sniffImageMime } from "../../../src/core/image-magic.ts";
import { GIF87A, GIF89A, JPEG, PNG, WEBP } from "../images/image-bytes.ts";

t.test("recognises each supported type by its magic bytes", async (t) => {
  t.equal(sniffImageMime(PNG), "image/png");
  t.equal(sniffImageMime(JPEG), "image/jpeg");
  t.equal(sniffImageMime(GIF87A), "image/gif");
  t.equal(sniffImageMime(GIF89A), "image/gif");
  t.equal(sniffImageMime(WEBP), "image/webp");
});

t.test("a bare signature is enough, with nothing after it", async (t) => {
  t.equal(sniffImageMime(PNG.subarray(0, 8)), "image/png");
  t.equal(sniffImageMime(JPEG.subarray(0, 3)), "image/jpeg");
  t.equal(sniffImageMime(Buffer.from("GIF89a", "latin1")), "image/gif");
  t.equal(sniffImageMime(Buffer.from("RIFF\0\0\0\0WEBP", "latin1")), "image/webp");
});

t.test("refuses everything else", async (t) => {
  const cases: Record<string, Uint8Array> = {
    empty: new Uint8Array(),
    "truncated PNG": PNG.subarray(0, 7),
    "JPEG prefix too short": JPEG.subarray(0, 2),
    GIF88a: Buffer.from("GIF88a....", "latin1"),
    "RIFF but WAVE": Buffer.from("RIFF\0\0\0\0WAVEfmt ", "latin1"),
    "RIFF without form type": WEBP.subarray(0, 11),
    "WEBP form type without RIFF": Buffer.from("RIFX\0\0\0\0WEBPVP8 ", "latin1"),
    SVG: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    BMP: Buffer.from("BM6\0\0\0", "latin1"),
    PDF: Buffer.from("%PDF-1.7", "latin1"),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    t.equal(sniffImageMime(bytes), undefined, name);
  }
});
