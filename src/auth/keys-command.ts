import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadConfig } from "../config/config.ts";
import { openKeyStore } from "../store/create-stores.ts";
import type { KeyScope } from "../store/key-store.ts";
import { generateApiKey } from "./api-key.ts";

export const KEYS_USAGE = `usage: jurist keys <create|list|revoke>
  jurist keys create --tenant T [--scope judge|admin]   prints a new key once
  jurist keys list                                      ids, tenants and scopes (never keys)
  jurist keys revoke <key id>`;

class UsageError extends Error {}

function createArgs(argv: string[]): { tenant: string; scope: KeyScope } {
  let values: { tenant?: string | undefined; scope?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { tenant: { type: "string" }, scope: { type: "string", default: "judge" } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.tenant || !/^[\w.-]{1,64}$/.test(values.tenant)) {
    throw new UsageError("--tenant is required: letters, digits, '.', '_' or '-', up to 64");
  }
  if (values.scope !== "judge" && values.scope !== "admin") {
    throw new UsageError("--scope must be judge or admin");
  }
  return { tenant: values.tenant, scope: values.scope };
}

/**
 * `jurist keys …`: manages API keys in the configured store (Redis when REDIS_URL is set, else
 * the key file under JURIST_DATA_DIR). The plain key is printed once and never stored.
 */
export async function runKeysCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const config = loadConfig();
  const store = await openKeyStore(config, pino({ level: "warn" }));
  try {
    if (action === "create") {
      const { tenant, scope } = createArgs(rest);
      const { plain, record } = generateApiKey(tenant, scope);
      await store.keys.add(record);
      process.stdout.write(`${plain}\n`);
      process.stderr.write(
        `created ${record.id} for tenant ${tenant} (${scope}); the key is shown only once\n`,
      );
    } else if (action === "list") {
      for (const record of await store.keys.list()) {
        process.stdout.write(
          `${record.id}\t${record.tenant}\t${record.scope}\t${new Date(record.created).toISOString()}\n`,
        );
      }
    } else if (action === "revoke" && rest[0]) {
      if (!(await store.keys.revoke(rest[0]))) throw new UsageError(`no key ${rest[0]}`);
      process.stderr.write(`revoked ${rest[0]}\n`);
    } else {
      throw new UsageError(KEYS_USAGE);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } finally {
    await store.close();
  }
}
