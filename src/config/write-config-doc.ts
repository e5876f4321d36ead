import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIG_DOC_PATH, renderConfigDoc } from "./config-doc.ts";

/** `npm run docs:config`: writes docs/configuration.md from the settings' declarations. */
const target = fileURLToPath(new URL(`../../${CONFIG_DOC_PATH}`, import.meta.url));
writeFileSync(target, renderConfigDoc());
process.stdout.write(`wrote ${CONFIG_DOC_PATH}\n`);
