import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { Config } from "../config/config.ts";

/** The S3 settings the client is made from (`JURIST_S3_*`). */
export type S3Settings = Config["blobs"]["s3"];

/**
 * The AWS SDK v3 S3 client for the blob store. Credentials come from the SDK's default chain
 * (environment, IRSA's web identity token, the ECS or EC2 role, a profile), never from a
 * Jurist setting. Retries are the SDK's standard mode with `maxAttempts`; the request handler
 * bounds each attempt (`connectionTimeout` to open a socket, `requestTimeout` for the server's
 * answer), so an unreachable store fails a put in seconds instead of holding collection.
 * `extra` is for tests (explicit credentials for a local server).
 */
export function createS3Client(settings: S3Settings, extra: Partial<S3ClientConfig> = {}) {
  return new S3Client({
    // Without a region the SDK reads AWS_REGION or the profile; an S3-compatible server at an
    // endpoint rarely cares, so one is given there.
    ...(settings.region ? { region: settings.region } : {}),
    ...(!settings.region && settings.endpoint ? { region: "us-east-1" } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: settings.maxAttempts,
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
    },
    ...extra,
  });
}
