import { loadConfig } from "../../src/config/config.ts";

/** A trainer's configuration against `backends`, in its own data directory, logging nothing. */
export function trainerConfig(dataDir: string, backends: string, env: Record<string, string> = {}) {
  return loadConfig({
    JURIST_BACKENDS: backends,
    JURIST_DATA_DIR: dataDir,
    JURIST_LOG_LEVEL: "silent",
    ...env,
  });
}
