import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import t from "tap";
import { containerConfig } from "./app-contract.ts";
import { needs, ROOT } from "./fine-tune-fixtures.ts";
import { allowed, type NetworkPolicy, type Pod } from "./network-policies.ts";
import {
  type Container,
  environment,
  type K8sObject,
  render,
  renderDirectory,
  selects,
  type View,
  view,
  type Workload,
} from "./rendered-manifests.ts";

/**
 * The production objects of deploy/k8s (issue 20, part 8), rendered by `kubectl kustomize`
 * (v5.5, kubectl 1.32) for each overlay and checked field by field against the Kubernetes API
 * reference (policy/v1 PodDisruptionBudget's unhealthyPodEvictionPolicy, GA in 1.31;
 * autoscaling/v2; networking.k8s.io/v1 NetworkPolicy, evaluated by network-policies.ts;
 * scheduling.k8s.io/v1 PriorityClass) and KEDA's Prometheus scaler (keda.sh/v1alpha1
 * ScaledObject; serverAddress, query, threshold, activationThreshold as in KEDA 2.13+), and
 * against the app's own settings: the drain outlasts the request timeout, and the gateway's
 * memory limit holds its heap and in-flight budgets.
 */

const OVERLAYS = { dev: "jurist-dev", prod: "jurist" };
const tools = needs("kubectl");

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
  privileged?: boolean;
  fsGroup?: number;
  fsGroupChangePolicy?: string;
}
interface FullContainer extends Container {
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface FullPodSpec {
  containers: FullContainer[];
  initContainers?: FullContainer[];
  securityContext?: SecurityContext;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: {
    topologyKey: string;
    maxSkew: number;
    whenUnsatisfiable: string;
    labelSelector: { matchLabels: Record<string, string> };
  }[];
  volumes?: { name: string; emptyDir?: unknown }[];
}
type FullWorkload = Workload & {
  spec: Workload["spec"] & { replicas?: number; template: { spec: FullPodSpec } };
};
interface Pdb extends K8sObject {
  spec: {
    maxUnavailable?: number | string;
    minAvailable?: number | string;
    unhealthyPodEvictionPolicy?: string;
    selector: { matchLabels: Record<string, string> };
  };
}
interface Hpa extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    metrics: { type: string; resource?: { name: string; target: { type: string } } }[];
  };
}
interface PriorityClass extends K8sObject {
  value: number;
  preemptionPolicy?: string;
  globalDefault?: boolean;
}

const pod = (w: Workload) => (w as FullWorkload).spec.template.spec;
const workload = (v: View, kind: string, name: string) => {
  const found = v.one<FullWorkload>(kind, name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
};

/** Bytes of a Kubernetes memory quantity (Ki, Mi, Gi; K, M, G; plain bytes). */
function bytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(match[1]) * (match[2] ? unit[match[2] as keyof typeof unit] : 1);
}

/** Every pod of the overlay as the NetworkPolicy evaluator sees it, by workload name. */
function pods(v: View, namespace: string): Record<string, Pod> {
  return Object.fromEntries(
    v.workloads.map((w) => [
      w.metadata.name,
      {
        namespace,
        labels: w.spec.template.metadata.labels,
        ports: w.spec.template.spec.containers.flatMap((c) => c.ports ?? []),
      },
    ]),
  );
}

for (const [name, namespace] of Object.entries(OVERLAYS)) {
  t.test(`overlay ${name}: production objects`, tools, async (t) => {
    const v = view(render(name));
    const gateway = workload(v, "Deployment", "jurist-gateway");
    const vllm = workload(v, "Deployment", "vllm");

    t.test("every container runs unprivileged", async (t) => {
      for (const w of v.workloads) {
        const spec = pod(w);
        // fsGroup's default policy (Always) re-owns every file of every volume at each mount:
        // the shared volume's weights and images made each pod start take minutes.
        if (spec.securityContext?.fsGroup !== undefined) {
          t.equal(
            spec.securityContext.fsGroupChangePolicy,
            "OnRootMismatch",
            `${w.metadata.name}: fsGroup re-owns the volume only when its root is not the group's`,
          );
        }
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const where = `${w.metadata.name}/${c.name}`;
          const own = c.securityContext ?? {};
          const effective = { ...spec.securityContext, ...own };
          t.equal(effective.runAsNonRoot, true, `${where}: runAsNonRoot`);
          t.ok((effective.runAsUser ?? 1) > 0, `${where}: not uid 0`);
          t.equal(own.allowPrivilegeEscalation, false, `${where}: no privilege escalation`);
          t.notOk(own.privileged, `${where}: not privileged`);
          t.ok(own.capabilities?.drop?.includes("ALL"), `${where}: drops ALL capabilities`);
          t.notOk(own.capabilities?.add?.length, `${where}: adds none back`);
          t.equal(effective.seccompProfile?.type, "RuntimeDefault", `${where}: seccomp`);
          t.equal(own.readOnlyRootFilesystem, true, `${where}: read-only root filesystem`);
          // A read-only root needs a writable /tmp (tsx's cache, Python's tempfile).
          const tmp = c.volumeMounts?.find((m) => m.mountPath === "/tmp");
          t.ok(
            !tmp || spec.volumes?.some((vol) => vol.name === tmp.name && vol.emptyDir),
            `${where}: /tmp, if mounted, is an emptyDir`,
          );
          if (w.metadata.name !== "redis") t.ok(tmp, `${where}: a writable /tmp`);
        }
      }
    });

    t.test("every workload has a PriorityClass: serving above batch", async (t) => {
      const classes = v.all<PriorityClass>("PriorityClass");
      const value = (n: string | undefined) => classes.find((c) => c.metadata.name === n)?.value;
      for (const w of v.workloads) {
        const wanted = pod(w).priorityClassName;
        t.ok(value(wanted) !== undefined, `${w.metadata.name}: ${wanted} is rendered`);
      }
      t.equal(pod(gateway).priorityClassName, "jurist-serving", "gateway: serving");
      t.equal(pod(vllm).priorityClassName, "jurist-serving", "vLLM: serving");
      const trainer = workload(v, "Deployment", "jurist-trainer");
      t.equal(pod(trainer).priorityClassName, "jurist-batch", "trainer: batch");
      const redis = v.one<FullWorkload>("StatefulSet", "redis");
      if (redis) t.equal(pod(redis).priorityClassName, "jurist-serving", "Redis: serving");
      t.ok(value("jurist-serving")! > value("jurist-batch")!, "serving outranks batch");
      t.ok(value("jurist-serving")! < 1e9, "below the system classes (≥ 1e9 are reserved)");
      const batch = classes.find((c) => c.metadata.name === "jurist-batch");
      t.equal(batch?.preemptionPolicy, "Never", "batch never preempts a running pod");
      t.notOk(
        classes.some((c) => c.globalDefault),
        "neither is the cluster's default for other pods",
      );
    });

    t.test("PDBs for gateway and vLLM that never block a drain", async (t) => {
      for (const w of [gateway, vllm]) {
        const pdbs = v
          .all<Pdb>("PodDisruptionBudget")
          .filter((p) => selects(p.spec.selector.matchLabels, w.spec.template.metadata.labels));
        t.equal(pdbs.length, 1, `${w.metadata.name}: one PodDisruptionBudget`);
        const pdb = pdbs[0]!;
        t.equal(pdb.apiVersion, "policy/v1");
        t.equal(
          pdb.spec.unhealthyPodEvictionPolicy,
          "AlwaysAllow",
          `${w.metadata.name}: a NotReady pod is always evictable`,
        );
        t.equal(pdb.spec.minAvailable, undefined, "no minAvailable (blocks at one replica)");
        t.equal(pdb.spec.maxUnavailable, 1, "one pod at a time");
      }
      // The gateway's readiness does not follow the fleet, so a vLLM outage leaves its pods
      // Ready and its budget unspent (test/src/http/readiness-scopes.test.ts shows the 200).
      const probe = gateway.spec.template.spec.containers[0]!.readinessProbe?.httpGet;
      t.equal(probe?.path, "/readyz?scope=process", "the gateway probes its process only");
    });

    t.test("gateway and vLLM spread over zones and nodes", async (t) => {
      for (const w of [gateway, vllm]) {
        const spread = pod(w).topologySpreadConstraints ?? [];
        for (const key of ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]) {
          const c = spread.find((s) => s.topologyKey === key);
          t.ok(c, `${w.metadata.name}: spread over ${key}`);
          t.ok(
            c && selects(c.labelSelector.matchLabels, w.spec.template.metadata.labels),
            `${w.metadata.name}: counting its own pods`,
          );
          t.equal(c?.maxSkew, 1);
        }
      }
    });

    t.test("the gateway scales on CPU against a CPU request; nothing else on vLLM", async (t) => {
      const hpas = v.all<Hpa>("HorizontalPodAutoscaler");
      const gatewayHpa = hpas.find((h) => h.spec.scaleTargetRef.name === "jurist-gateway");
      t.equal(gatewayHpa?.apiVersion, "autoscaling/v2");
      t.match(gatewayHpa?.spec.scaleTargetRef, { kind: "Deployment", apiVersion: "apps/v1" });
      t.ok(
        gatewayHpa?.spec.metrics.some(
          (m) => m.resource?.name === "cpu" && m.resource.target.type === "Utilization",
        ),
        "CPU utilisation",
      );
      const container = pod(gateway).containers[0]!;
      t.ok(container.resources?.requests?.cpu, "a CPU request: utilisation is a share of it");
      t.notOk(
        hpas.some((h) => h.spec.scaleTargetRef.name === "vllm"),
        "no HPA on vLLM here (the optional KEDA component owns that)",
      );
    });

    t.test("the drain outlasts the request timeout, within the grace period", async (t) => {
      const spec = pod(gateway);
      const container = spec.containers[0]!;
      const config = containerConfig(environment(v, container));
      const drain = config.shedding.drainTimeoutMs;
      const requestTimeouts = [config.http.requestTimeoutMs, config.grpc.requestTimeoutMs ?? 0];
      t.ok(
        requestTimeouts.every((timeout) => drain > timeout),
        `JURIST_DRAIN_TIMEOUT_MS ${drain} > request timeouts ${requestTimeouts}`,
      );
      const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
      t.equal(preStop[0], "sleep", "preStop sleeps while endpoints are removed");
      const preStopMs = Number(preStop[1]) * 1000;
      t.ok(preStopMs > 0, `preStop ${preStopMs} ms`);
      const grace = (spec.terminationGracePeriodSeconds ?? 30) * 1000;
      t.ok(grace > preStopMs + drain, `grace ${grace} ms > preStop + drain ${preStopMs + drain}`);
    });

    t.test("the gateway's memory limit holds its heap and in-flight budgets", async (t) => {
      const container = pod(gateway).containers[0]!;
      const env = environment(v, container);
      const config = containerConfig(env);
      const heap = config.shedding.maxHeapBytes;
      const inflight = config.shedding.inflightBytesBudget;
      // 0 would be 90% of V8's own limit, which Node sets to a quarter of the pod's memory
      // (docs/deployment.md, "Gateway memory"): below what the in-flight budget puts in the heap.
      t.ok(heap > 0, `JURIST_MAX_HEAP_BYTES set: ${heap}`);
      const limit = bytes(container.resources?.limits?.memory ?? "0");
      // The process's own memory beside both budgets: idle RSS 174–176 MB measured
      // (npm run bench:hardening, loadtest/README.md), rounded up to 256 MiB.
      const overhead = 256 * 2 ** 20;
      t.ok(
        limit >= heap + inflight + overhead,
        `limit ${limit} ≥ heap ${heap} + in-flight ${inflight} + overhead ${overhead}`,
      );
      const oldSpace = /--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? "")?.[1];
      t.ok(
        Number(oldSpace) * 2 ** 20 > heap,
        `V8's heap limit (${oldSpace} MiB) above JURIST_MAX_HEAP_BYTES: shedding comes first`,
      );
      t.ok(Number(oldSpace) * 2 ** 20 < limit, "and below the pod's limit");
    });

    t.test("the trainer's heap holds an iteration at the default prompt cap", async (t) => {
      const container = pod(workload(v, "Deployment", "jurist-trainer")).containers[0]!;
      const env = environment(v, container);
      const prompts = containerConfig(env).trainer.maxPrompts;
      // The dataset stage's peak at the token limits: 4.4 GiB at 100k prompts, ~46 KiB per
      // prompt (intake, synthesis and judge records held at once;
      // loadtest/trainer-iteration-memory.ts, docs/training.md "Memory per prompt").
      const peak = prompts * 46 * 2 ** 10;
      const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? "")?.[1]);
      t.ok(oldSpace * 2 ** 20 > peak, `V8's heap ${oldSpace} MiB > ${prompts} prompts' ${peak} B`);
      const limit = bytes(container.resources?.limits?.memory ?? "0");
      t.ok(oldSpace * 2 ** 20 < limit, `and below the pod's limit ${limit}`);
    });

    t.test("NetworkPolicies allow exactly the paths Jurist uses", async (t) => {
      const policies = v.all<NetworkPolicy>("NetworkPolicy");
      const p = pods(v, namespace);
      const client: Pod = { namespace: "clients", labels: {} };
      const prometheus: Pod = {
        namespace: "monitoring",
        labels: { "app.kubernetes.io/name": "prometheus" },
      };
      const stranger: Pod = { namespace, labels: { "app.kubernetes.io/name": "debug" } };
      const may = (from: Pod, to: Pod, port: number) => allowed(policies, from, to, port);

      t.ok(
        policies.some(
          (pol) =>
            Object.keys(pol.spec.podSelector).length === 0 &&
            pol.spec.policyTypes?.includes("Ingress") &&
            !pol.spec.ingress?.length,
        ),
        "ingress denied by default to every pod",
      );
      t.ok(may(client, p["jurist-gateway"]!, 8080), "client → gateway HTTP");
      t.ok(may(client, p["jurist-gateway"]!, 50051), "client → gateway gRPC");
      t.ok(may(prometheus, p["jurist-gateway"]!, 8080), "Prometheus → gateway /metrics");
      t.notOk(may(client, p["jurist-gateway"]!, 9999), "client → gateway, another port: denied");
      t.ok(may(p["jurist-gateway"]!, p.vllm!, 8000), "gateway → vLLM");
      t.ok(may(p["jurist-trainer"]!, p.vllm!, 8000), "trainer → vLLM");
      t.ok(may(prometheus, p.vllm!, 8000), "Prometheus → vLLM /metrics");
      t.notOk(may(client, p.vllm!, 8000), "client → vLLM: denied");
      t.notOk(may(stranger, p.vllm!, 8000), "another pod of the namespace → vLLM: denied");
      t.notOk(
        may({ ...prometheus, labels: {} }, p.vllm!, 8000),
        "another pod of Prometheus's namespace → vLLM: denied",
      );
      t.ok(may(prometheus, p["jurist-trainer"]!, 9464), "Prometheus → trainer /metrics");
      t.notOk(may(client, p["jurist-trainer"]!, 9464), "client → trainer: denied");
      t.notOk(may(p["jurist-gateway"]!, p["jurist-trainer"]!, 9464), "gateway → trainer: denied");
      if (p.redis) {
        t.ok(may(p["jurist-gateway"]!, p.redis, 6379), "gateway → Redis");
        t.ok(may(p["jurist-trainer"]!, p.redis, 6379), "trainer → Redis");
        t.notOk(may(p.vllm!, p.redis, 6379), "vLLM → Redis: denied");
        t.notOk(may(client, p.redis, 6379), "client → Redis: denied");
        const dns: Pod = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
        t.ok(allowed(policies, p.redis, dns, 53, "UDP"), "Redis → DNS (UDP)");
        t.ok(allowed(policies, p.redis, dns, 53, "TCP"), "Redis → DNS (TCP)");
        t.notOk(may(p.redis, p["jurist-gateway"]!, 8080), "Redis → anything else: denied");
      } else {
        t.notOk(
          policies.some((pol) => pol.metadata.name === "redis"),
          "no Redis here, no policy for it",
        );
      }
    });
  });
}

t.test("the optional KEDA component scales vLLM on its queue, alone", tools, async (t) => {
  // prod with the component added, in prod's namespace, as an overlay including it renders.
  const dir = mkdtempSync(join(tmpdir(), "jurist-keda-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const from = (path: string) => relative(dir, join(ROOT, path));
  writeFileSync(
    join(dir, "kustomization.yaml"),
    [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "namespace: jurist",
      "resources:",
      `  - ${from("deploy/k8s/overlays/prod")}`,
      "components:",
      `  - ${from("deploy/k8s/components/keda-vllm")}`,
      "",
    ].join("\n"),
  );
  const v = view(renderDirectory(dir));
  const scaled = v.all<
    K8sObject & {
      spec: {
        scaleTargetRef: { name: string; kind?: string };
        minReplicaCount: number;
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
    }
  >("ScaledObject");
  t.equal(scaled.length, 1, "one ScaledObject");
  const so = scaled[0]!;
  t.equal(so.apiVersion, "keda.sh/v1alpha1");
  t.equal(so.metadata.namespace, "jurist", "in the overlay's namespace");
  t.equal(so.spec.scaleTargetRef.name, "vllm", "scales vLLM");
  t.ok(v.one("Deployment", so.spec.scaleTargetRef.name), "a rendered Deployment");
  t.ok(so.spec.minReplicaCount >= 1, "never to zero: a judge with no replica answers nothing");
  t.ok(so.spec.maxReplicaCount > so.spec.minReplicaCount);
  const trigger = so.spec.triggers[0]!;
  t.equal(trigger.type, "prometheus");
  const { serverAddress, query, threshold, activationThreshold } = trigger.metadata;
  t.match(serverAddress, /^https?:\/\/[^/]+:\d+$/, "serverAddress: Prometheus's base URL");
  t.match(query, /^\(sum\(vllm:num_requests_waiting\{/, "one number: the engines' queue, summed");
  // At the default capacity share the gateways never send a replica more than it runs, so the
  // queue forms in their admission: without it KEDA would see ~0 under any load.
  t.match(
    query,
    /\+ \(sum\(jurist_admission_waiting\{job="jurist-gateway",/,
    "plus the gateways' admission queue",
  );
  const namespaces = [...(query ?? "").matchAll(/namespace="([^"]*)"/g)].map((m) => m[1]);
  t.same(namespaces, [so.metadata.namespace, so.metadata.namespace], "of this namespace's pods");
  t.match(query, 'job="vllm"', "scraped by the monitoring component's vllm ServiceMonitor");
  t.ok(v.one("ServiceMonitor", "vllm"), "which is rendered");
  t.ok(Number(threshold) > 0, `threshold ${threshold}: a number, as a string`);
  t.ok(Number.isFinite(Number(activationThreshold)), "activationThreshold: a number");
  t.test("the query is PromQL Prometheus parses", needs("promtool"), async (t) => {
    const rules = join(dir, "keda-query.rules.yml");
    writeFileSync(
      rules,
      `groups:\n  - name: keda\n    rules:\n      - record: keda_vllm_waiting\n        expr: ${JSON.stringify(query)}\n`,
    );
    const check = spawnSync("promtool", ["check", "rules", rules], { encoding: "utf8" });
    t.equal(check.status, 0, `promtool check rules: ${check.stdout}${check.stderr}`);
  });

  const vllm = v.one<FullWorkload>("Deployment", "vllm")!;
  t.notOk("replicas" in vllm.spec, "the Deployment leaves the count to KEDA");
  const hpas = v.all<Hpa>("HorizontalPodAutoscaler");
  t.notOk(
    hpas.some((h) => h.spec.scaleTargetRef.name === "vllm"),
    "no HorizontalPodAutoscaler of ours targets vLLM besides KEDA's",
  );
  t.ok(
    hpas.every((h) => h.spec.scaleTargetRef.name === "jurist-gateway"),
    "the HPA scales the gateways only",
  );
});
