import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";

/**
 * Kustomize reads no file outside a kustomization's directory, so deploy/k8s keeps copies of
 * three files that live elsewhere: the fine-tune Job template, the Grafana dashboard and the
 * alert rules (wrapped in a PrometheusRule). This module says what each copy must hold;
 * test/contracts/deploy/kustomize.test.ts fails when one differs, and
 *
 *   node --import=tsx test/contracts/deploy/k8s-copies.ts --write
 *
 * rewrites them from their sources.
 */

const ROOT = join(import.meta.dirname, "../../..");

export const ALERTS = "deploy/prometheus/alerts.yml";
export const DASHBOARD = "deploy/grafana/jurist.json";
export const JOB_TEMPLATE = "deploy/fine-tune/k8s/fine-tune-job.yaml";

export interface Copy {
  /** Repository-relative path of the copy. */
  path: string;
  /** Repository-relative path of what it is made from. */
  source: string;
  /** What the copy must contain, byte for byte. */
  content: () => string;
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** The alert rule groups of deploy/prometheus/alerts.yml, as Prometheus reads them. */
export function alertGroups(): unknown[] {
  const rules = parse(read(ALERTS)) as { groups?: unknown[] };
  if (!Array.isArray(rules?.groups)) throw new Error(`${ALERTS} has no groups list`);
  return rules.groups;
}

function prometheusRule(): string {
  const rule = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "jurist" },
    spec: { groups: alertGroups() },
  };
  const header = [
    `# Made from ${ALERTS} by test/contracts/deploy/k8s-copies.ts --write: edit that file, not this one.`,
    "",
  ].join("\n");
  return header + stringify(rule, { lineWidth: 0 });
}

export const COPIES: Copy[] = [
  {
    path: "deploy/k8s/base/fine-tune-job.yaml",
    source: JOB_TEMPLATE,
    content: () => read(JOB_TEMPLATE),
  },
  {
    path: "deploy/k8s/components/monitoring/jurist.json",
    source: DASHBOARD,
    content: () => read(DASHBOARD),
  },
  {
    path: "deploy/k8s/components/monitoring/prometheus-rule.yaml",
    source: ALERTS,
    content: prometheusRule,
  },
];

/** The copies whose content is not what their source makes now. */
export function staleCopies(): Copy[] {
  return COPIES.filter((copy) => {
    try {
      return read(copy.path) !== copy.content();
    } catch {
      return true;
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (!process.argv.includes("--write")) {
    const stale = staleCopies();
    for (const copy of stale) process.stdout.write(`stale: ${copy.path} (from ${copy.source})\n`);
    process.exitCode = stale.length > 0 ? 1 : 0;
  } else {
    for (const copy of COPIES) {
      writeFileSync(join(ROOT, copy.path), copy.content());
      process.stdout.write(`wrote ${copy.path} from ${copy.source}\n`);
    }
  }
}
