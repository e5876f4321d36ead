import { parseAllDocuments } from "yaml";
import { type Command, isCommand } from "./app-contract.ts";
import { run } from "./fine-tune-fixtures.ts";

/**
 * A Kustomize overlay as `kubectl kustomize` renders it, with the few Kubernetes types and
 * look-ups kustomize.test.ts checks it by (only the fields read here are typed).
 */

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string };
  emptyDir?: { medium?: string; sizeLimit?: string };
}
export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
}
export interface Workload extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}
export interface Service extends K8sObject {
  spec: {
    clusterIP?: string;
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string | number }[];
  };
}
export interface ConfigMap extends K8sObject {
  data: Record<string, string>;
}
export interface Secret extends K8sObject {
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const WORKLOADS = ["Deployment", "StatefulSet"];
/** A stand-in for values that live outside the rendered objects (an external Secret). */
const EXTERNAL = { REDIS_URL: "redis://redis.example.internal:6379/0" } as Record<string, string>;

/** `kubectl kustomize deploy/k8s/overlays/<overlay>`, parsed. */
export function render(overlay: string): K8sObject[] {
  return renderDirectory(`deploy/k8s/overlays/${overlay}`);
}

/** Any kustomization directory, repository-relative or absolute, as `kubectl kustomize` renders it. */
export function renderDirectory(directory: string): K8sObject[] {
  const result = run("kubectl", ["kustomize", directory]);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${directory}: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => doc.toJS() as K8sObject);
}

/** The rendered objects of one overlay, looked up by kind and name. */
export function view(objects: K8sObject[]) {
  const all = <T extends K8sObject>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  const one = <T extends K8sObject>(kind: string, name: string) =>
    all<T>(kind).find((o) => o.metadata.name === name);
  const workloads = objects.filter((o) => WORKLOADS.includes(o.kind)) as Workload[];
  return { objects, all, one, workloads };
}
export type View = ReturnType<typeof view>;

/** Containers of the Jurist image (`jurist`, however an overlay renames its registry). */
export function juristContainers(v: View): { workload: Workload; container: Container }[] {
  return v.workloads.flatMap((workload) =>
    workload.spec.template.spec.containers
      .filter((c) => /(^|\/)jurist(:|@|$)/.test(c.image))
      .map((container) => ({ workload, container })),
  );
}

/** Every variable the container gets, resolved against the rendered ConfigMaps and Secrets. */
export function environment(v: View, container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef) throw new Error(`${container.name}: envFrom other than a ConfigMap`);
    const map = v.one<ConfigMap>("ConfigMap", from.configMapRef.name);
    if (!map) throw new Error(`${container.name}: no ConfigMap ${from.configMapRef.name}`);
    Object.assign(env, map.data);
  }
  for (const variable of container.env ?? []) {
    env[variable.name] = resolve(v, variable);
  }
  return env;
}

function resolve(v: View, variable: EnvVar): string {
  const from = variable.valueFrom;
  if (!from) return variable.value ?? "";
  if (from.fieldRef) return "field-value";
  if (from.configMapKeyRef) {
    const map = v.one<ConfigMap>("ConfigMap", from.configMapKeyRef.name);
    return map?.data[from.configMapKeyRef.key] ?? "";
  }
  const ref = from.secretKeyRef!;
  const secret = v.one<Secret>("Secret", ref.name);
  if (!secret) return EXTERNAL[variable.name] ?? "";
  const encoded = secret.data?.[ref.key];
  return secret.stringData?.[ref.key] ?? Buffer.from(encoded ?? "", "base64").toString();
}

/** The Jurist command a container runs: its first argument to the image's entrypoint. */
export function command(container: Container): Command {
  const word = container.args?.[0];
  if (container.command || !isCommand(word)) {
    throw new Error(
      `${container.name} runs ${JSON.stringify(container.args)}: not serve, trainer or sim`,
    );
  }
  return word;
}

/** A container port by name or number, if the container has it. */
export function portNumber(container: Container, port: string | number): number | undefined {
  if (typeof port === "number")
    return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Whether a label selector matches `labels`. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export interface RoleBinding extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}

/** Whether a ServiceAccount may use `verbs` on a resource, by the Roles bound to it. */
export function permissions(v: View, account: string, namespace: string) {
  const roles = v
    .all<RoleBinding>("RoleBinding")
    .filter((b) =>
      b.subjects.some(
        (s) => s.kind === "ServiceAccount" && s.name === account && s.namespace === namespace,
      ),
    )
    .map((b) => v.one<K8sObject & { rules: Rule[] }>(b.roleRef.kind, b.roleRef.name));
  const rules = roles.flatMap((role) => role?.rules ?? []);
  return (group: string, resource: string, verbs: string[]) =>
    verbs.every((verb) =>
      rules.some(
        (r) =>
          r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      ),
    );
}

/** A container's HTTP probes, each with its kind. */
export const probes = (c: Container) =>
  (["livenessProbe", "readinessProbe", "startupProbe"] as const).flatMap((kind) =>
    c[kind]?.httpGet ? [{ kind, ...c[kind].httpGet }] : [],
  );
