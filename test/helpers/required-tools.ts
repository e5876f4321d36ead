import { spawnSync } from "node:child_process";

/** True when `tool` is a command on PATH. */
export function onPath(tool: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool]).status === 0;
}

/**
 * Test options that skip, loudly, when a tool is missing, saying how to `install` it; with
 * JURIST_REQUIRE_TOOLS=1 (CI sets it) the test runs anyway and fails on the missing tool.
 */
export function needs(tools: readonly string[], install: string): { skip: string | false } {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0 || process.env.JURIST_REQUIRE_TOOLS === "1") return { skip: false };
  return {
    skip: `SKIPPED: ${missing.join(" and ")} not on PATH (${install}; JURIST_REQUIRE_TOOLS=1 makes this a failure)`,
  };
}
