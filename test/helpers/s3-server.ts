import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import type { Teardown } from "./gateway.ts";

/** s3rver's fixed access key: it checks request signatures against it (lib/s3rver.js). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A throwaway S3-compatible server (s3rver 3.7.1) on a random loopback port. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>`, for JURIST_S3_ENDPOINT. */
  endpoint: string;
  bucket: string;
  /** Stops the server, keeping its objects on disk, to test an outage. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the objects it had. */
  start(): Promise<void>;
}

/**
 * Starts s3rver for one test with one bucket; it is stopped and its directory removed when the
 * test ends. Its quirks, as against S3: bucket names must be 3–63 characters; paths only
 * (`forcePathStyle`), no virtual-host buckets on 127.0.0.1; no lifecycle rules at all
 * (S3 expires objects asynchronously, about once a day, from a bucket's lifecycle
 * configuration: tests of expiry go through the trainer's deletes and the file store's TTL);
 * LastModified has second resolution, as S3's HTTP dates do.
 */
export async function startS3(t: Teardown, bucket = "jurist-test"): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), "jurist-s3rver-"));
  let port = 0;
  let server: S3rver | null = null;
  async function start(): Promise<void> {
    const next = new S3rver({
      address: "127.0.0.1",
      port,
      directory,
      silent: true,
      configureBuckets: [{ name: bucket }],
    });
    port = (await next.run()).port;
    server = next;
  }
  async function stop(): Promise<void> {
    const running = server;
    server = null;
    await running?.close();
  }
  await start();
  t.teardown(async () => {
    await stop();
    rmSync(directory, { recursive: true, force: true });
  });
  return { endpoint: `http://127.0.0.1:${port}`, bucket, stop, start };
}
