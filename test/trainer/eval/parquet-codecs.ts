import { brotliCompressSync, gzipSync } from "node:zlib";
import { init as initZstd, compress as zstdCompress } from "@bokuweb/zstd-wasm";
import { compress as lz4Compress } from "lz4-wasm-nodejs";

/**
 * Compressors to WRITE parquet test files with every codec hyparquet-compressors 1.1.2 reads
 * (its src/compressors.js: SNAPPY, GZIP, BROTLI, ZSTD, LZ4, LZ4_RAW), each a real encoder
 * rather than a stored-block shortcut, so the reader decodes real compressed data:
 * GZIP and BROTLI from Node's zlib; ZSTD from @bokuweb/zstd-wasm (Node 20's zlib has no
 * zstd); LZ4_RAW from lz4-wasm-nodejs (lz4_flex), whose output is one LZ4 block after a
 * 4-byte little-endian length that parquet's LZ4_RAW does not have; LZ4 as Arrow writes it
 * (apache/arrow cpp/src/arrow/util/compression_lz4.cc, the "Hadoop" framing hyparquet-
 * compressors' lz4.js parses first): a big-endian uncompressed length, a big-endian
 * compressed length, then the block. SNAPPY is hyparquet-writer's own default.
 */
export const CODECS = ["SNAPPY", "GZIP", "BROTLI", "ZSTD", "LZ4", "LZ4_RAW"] as const;
/** A codec the writers take: one of `CODECS`, none, or LZO (labelled only: pages stay as they are). */
export type Codec = (typeof CODECS)[number] | "UNCOMPRESSED" | "LZO";

type Compressor = (input: Uint8Array) => Uint8Array;

const lz4Block: Compressor = (input) => lz4Compress(input).subarray(4);

const hadoopLz4: Compressor = (input) => {
  const block = lz4Block(input);
  const framed = new Uint8Array(8 + block.length);
  const view = new DataView(framed.buffer);
  view.setUint32(0, input.length);
  view.setUint32(4, block.length);
  framed.set(block, 8);
  return framed;
};

let zstdReady: Promise<void> | undefined;

/** hyparquet-writer's `compressors` option for every codec but its built-in SNAPPY. */
export async function parquetCompressors(): Promise<Record<string, Compressor>> {
  zstdReady ??= initZstd();
  await zstdReady;
  return {
    GZIP: (input) => new Uint8Array(gzipSync(input)),
    BROTLI: (input) => new Uint8Array(brotliCompressSync(input)),
    ZSTD: (input) => zstdCompress(input, 3),
    LZ4: hadoopLz4,
    LZ4_RAW: lz4Block,
    // No LZO encoder exists for JavaScript; the label alone is what a reader must refuse.
    LZO: (input) => input,
  };
}
