import { z } from "zod";
import { bool, intIn, nonNegativeInt, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

const DAY_MS = 86_400_000;

export const blobs = area(
  "Image blobs",
  "Where collected images are kept for the trainer: a directory (one host) or an S3-compatible bucket (a fleet), and how they expire ([operations.md](operations.md#image-blobs-and-object-storage)).",
  {
    blobs: {
      store: setting({
        env: "JURIST_BLOB_STORE",
        schema: z.enum(["file", "s3"]),
        default: "file",
        doc: "`file`: `<JURIST_DATA_DIR>/blobs` (one host, or a shared volume); `s3`: an S3-compatible bucket every gateway writes and the trainer reads and deletes from",
      }),
      ttlMs: setting({
        env: "JURIST_BLOB_TTL_MS",
        schema: nonNegativeInt,
        default: 7 * DAY_MS,
        doc: "a file blob not put again for this long is swept, ms (7 days); `0` keeps blobs forever. With `s3` the bucket's lifecycle rule expires them instead",
      }),
      maxBytes: setting({
        env: "JURIST_BLOB_MAX_BYTES",
        schema: nonNegativeInt,
        default: 0,
        doc: "bytes a file blob store may hold; a new blob past it is refused and its prompt dropped (`blob_store_full`); `0`: no bound",
      }),
      sweepIntervalMs: setting({
        env: "JURIST_BLOB_SWEEP_MS",
        schema: positiveInt,
        default: 60_000,
        doc: "how often the file blob store sweeps one of its 256 top-level directories for expired blobs, ms",
      }),
      deleteMarginMs: setting({
        env: "JURIST_BLOB_DELETE_MARGIN_MS",
        schema: nonNegativeInt,
        default: 900_000,
        doc: "the trainer deletes a consumed `s3` blob only when it was last put this long before the newest prompt it consumed (covers a collector's write-to-append delay and clock skew), ms",
      }),
      s3: {
        bucket: setting({
          env: "JURIST_S3_BUCKET",
          schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
          doc: "the bucket image blobs go to; required with `JURIST_BLOB_STORE=s3`",
        }),
        prefix: setting({
          env: "JURIST_S3_PREFIX",
          schema: z.string().max(512),
          default: "jurist/blobs/",
          doc: "every blob's key is this prefix and its SHA-256; the lifecycle rule that expires blobs filters on it",
        }),
        endpoint: setting({
          env: "JURIST_S3_ENDPOINT",
          schema: z.url({ protocol: /^https?$/ }),
          doc: "an S3-compatible endpoint (MinIO, R2, Ceph), e.g. `http://minio:9000`; unset → AWS S3 of the region",
        }),
        region: setting({
          env: "JURIST_S3_REGION",
          schema: z.string().min(1),
          doc: "the bucket's region; unset → the SDK's default chain (`AWS_REGION`, the profile); `us-east-1` when only an endpoint is set",
        }),
        forcePathStyle: setting({
          env: "JURIST_S3_FORCE_PATH_STYLE",
          schema: bool,
          default: false,
          doc: "`http://host/bucket/key` instead of `http://bucket.host/key`: most S3-compatible servers (MinIO) need it",
        }),
        maxAttempts: setting({
          env: "JURIST_S3_MAX_ATTEMPTS",
          schema: intIn(1, 10),
          default: 3,
          doc: "attempts per S3 request, the first included (the SDK's standard retry mode, with back-off)",
        }),
        connectionTimeoutMs: setting({
          env: "JURIST_S3_CONNECT_TIMEOUT_MS",
          schema: positiveInt,
          default: 2_000,
          doc: "longest an S3 connection may take to open, ms",
        }),
        requestTimeoutMs: setting({
          env: "JURIST_S3_REQUEST_TIMEOUT_MS",
          schema: positiveInt,
          default: 15_000,
          doc: "longest an S3 request may wait for the server, ms (per attempt)",
        }),
      },
    },
  },
);
