import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import t, { type Test } from "tap";
import { fineTuneArgv } from "../../../trainer/stages/fine-tune.ts";
import { cleanEnv, needs, ROOT, readmeTemplates, run } from "./fine-tune-fixtures.ts";
import { type KubectlStandIn, kubectlStandIn } from "./kubectl-stand-in.ts";

const dir = mkdtempSync(join(tmpdir(), "jurist-fine-tune-job-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// Characters sed and YAML would both trip on, were they not escaped and quoted.
const dataPath = join(dir, `data&co|"x\\y`);
const settings = {
  JURIST_K8S_IMAGE: "registry.example/jurist-fine-tune:1.0",
  JURIST_K8S_PVC: "jurist-data",
  JURIST_K8S_DATA_PATH: dataPath,
};
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function argvFor(iteration: number, init: string): string[] {
  return fineTuneArgv(readmeTemplates().k8s, {
    dataset: `${dataPath}/trainer/iteration-${iteration}/dataset.jsonl`,
    output: `${dataPath}/trainer/iteration-${iteration}/checkpoint`,
    init,
    base_model: "Qwen/Qwen2.5-VL-7B-Instruct",
  });
}

function render(argv: string[], env: Record<string, string> = settings) {
  return run(argv[0]!, argv.slice(1), { env: { ...env, JURIST_K8S_DRY_RUN: "1" } });
}

/** The manifest as kubectl decodes it into batch/v1 types, offline (a wrong type fails here). */
function decode(manifest: string) {
  const result = run(
    "kubectl",
    ["set", "env", "--local", "-f", "-", "-o", "json", "JURIST_CHECK=1"],
    {
      input: manifest,
    },
  );
  if (result.status !== 0)
    throw new Error(`kubectl could not decode the manifest: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

t.test(
  "run-job.sh renders a Job kubectl accepts, with the values in place",
  needs("bash", "kubectl"),
  async (t) => {
    const init = `${dataPath}/trainer/iteration-2/checkpoint`;
    const argv = argvFor(3, init);
    const rendered = render(argv);
    t.equal(rendered.status, 0, rendered.stderr);
    t.notMatch(rendered.stdout, /@@/, "no placeholder left");
    const job = decode(rendered.stdout);
    t.equal(job.apiVersion, "batch/v1");
    t.equal(job.kind, "Job");
    t.match(job.metadata.name, /^jurist-ft-iteration-3-checkpoint-[0-9a-f]{8}$/);
    t.match(job.spec, { backoffLimit: 0, activeDeadlineSeconds: 172800 });
    t.ok(job.spec.ttlSecondsAfterFinished > 0, "finished Jobs are cleaned up");
    const pod = job.spec.template.spec;
    t.equal(pod.restartPolicy, "Never");
    const [container] = pod.containers;
    t.equal(container.image, settings.JURIST_K8S_IMAGE);
    t.strictSame(container.args, argv.slice(1), "the template's arguments, unchanged");
    t.ok(container.args.includes(init));
    t.equal(String(container.resources.limits["nvidia.com/gpu"]), "1");
    const data = pod.volumes.find((v: { name: string }) => v.name === "data");
    t.equal(data.persistentVolumeClaim.claimName, "jurist-data");
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === "data");
    t.equal(mount.mountPath, dataPath, "mounted where the trainer keeps its data");
    const hfHome = container.env.find((e: { name: string }) => e.name === "HF_HOME");
    t.equal(hfHome.value, `${dataPath}/huggingface`);
    // Unprivileged as every Jurist pod (production.test.ts checks the rendered workloads; this
    // Job is made by run-job.sh, outside kustomize), as the trainer's uid on the shared volume.
    t.match(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      fsGroup: 10001,
      // Not a recursive re-own of the shared volume (weights, images) at every Job's start.
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    t.match(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/tmp");
    t.ok(
      pod.volumes.some(
        (v: { name: string; emptyDir?: object }) => v.name === tmp?.name && v.emptyDir,
      ),
      "a writable /tmp for the read-only root",
    );

    const first = decode(render(argvFor(1, "")).stdout);
    t.notOk(
      first.spec.template.spec.containers[0].args.includes("--init"),
      "no --init on iteration 1",
    );
  },
);

t.test("job names are DNS labels, stable per output directory", needs("bash"), async (t) => {
  const nameOf = (argv: string[]) => /^ {2}name: "(.+)"$/m.exec(render(argv).stdout)?.[1] ?? "";
  t.equal(nameOf(argvFor(4, "")), nameOf(argvFor(4, "")), "a rerun gets the same name");
  t.not(nameOf(argvFor(4, "")), nameOf(argvFor(5, "")), "another iteration gets another");
  const odd = [
    readmeTemplates().k8s.split(" ")[0]!,
    "--dataset",
    `${dataPath}/d.jsonl`,
    "--output",
    `${dataPath}/Runs_2026/ITERATION_0042_with_a_rather_long_directory_name_indeed/checkpoint/`,
  ];
  const name = nameOf(odd);
  t.match(name, DNS_LABEL);
  t.ok(name.length <= 63, `${name} fits a label`);
});

t.test("run-job.sh refuses what the pod could not use", needs("bash"), async (t) => {
  const argv = argvFor(1, "");
  const unset = render(argv, {});
  t.equal(unset.status, 2);
  t.match(unset.stderr, /set JURIST_K8S_IMAGE JURIST_K8S_PVC/);
  const elsewhere = render(argv, { ...settings, JURIST_K8S_DATA_PATH: join(dir, "other") });
  t.equal(elsewhere.status, 2);
  t.match(elsewhere.stderr, /is not under .*other, the shared volume's mount path/);
  const [script] = argv;
  const sneaky = [script!, "--dataset", `${dataPath}/../etc/d.jsonl`, "--output", `${dataPath}/o`];
  t.match(render(sneaky).stderr, /has a \.\. in it/);
  const relative = [script!, "--dataset", "data/d.jsonl", "--output", `${dataPath}/o`];
  t.match(render(relative).stderr, /is not absolute/);
  const badClaim = render(argv, { ...settings, JURIST_K8S_PVC: "Not_A_Claim" });
  t.equal(badClaim.status, 2);
});

const OUTPUT_7 = `${dataPath}/trainer/iteration-7/checkpoint`;
const nameIn = (manifest: string) => /^ {2}name: "(.+)"$/m.exec(manifest)![1]!;

async function runJob(
  kubectl: KubectlStandIn,
  whileRunning?: (child: ChildProcess) => Promise<void>,
  argv = argvFor(7, ""),
) {
  const env = { ...settings, JURIST_KUBECTL: kubectl.command, JURIST_K8S_NAMESPACE: "judges" };
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: cleanEnv(env) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const closed = once(child, "close");
  await whileRunning?.(child);
  const [code] = await closed;
  const manifest = render(argv).stdout;
  return { code, stdout, stderr, calls: kubectl.calls(), manifest, name: nameIn(manifest) };
}

/** The verbs of each call (`get job`, `create -f`, …), namespace left out. */
const verbsOf = (calls: string[]) => calls.map((call) => call.split(" ").slice(2, 4).join(" "));

/** Resolves once the script waits on the Job (it created or re-attached to it) after call `from`. */
/**
 * The run after a failed Job, now set to complete: it exits 0 and replaces the failed Job
 * (get, delete, create) rather than reporting its failure again.
 */
async function retryReplacesTheJob(t: Test, kubectl: KubectlStandIn) {
  kubectl.outcome("Complete");
  const before = kubectl.calls().length;
  const retry = await runJob(kubectl);
  t.equal(retry.code, 0, retry.stderr);
  t.strictSame(verbsOf(retry.calls.slice(before)).slice(0, 3), [
    "get job",
    "delete job",
    "create -f",
  ]);
  return retry;
}

async function untilWaiting(kubectl: KubectlStandIn, from: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  const waiting = () =>
    kubectl
      .calls()
      .slice(from)
      .some((call) => call.includes(" wait "));
  while (!waiting() && Date.now() < deadline) await sleep(50);
}

t.test(
  "run-job.sh creates the Job, streams its log and exits 0 when it completes",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    kubectl.outcome("SuccessCriteriaMet Complete");
    const result = await runJob(kubectl);
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /epoch 1\/5 loss 0\.52/, "the pod's log reaches the trainer's");
    t.equal(kubectl.created(), result.manifest, "the rendered manifest was created");
    t.ok(
      result.calls.every((call) => call.startsWith("--namespace judges ")),
      "in the namespace",
    );
    t.strictSame(
      verbsOf(result.calls).slice(0, 2),
      ["get job", "create -f"],
      "looked for a Job of this name first, found none, created it",
    );
    t.ok(
      result.calls.includes(
        `--namespace judges logs -f job/${result.name} --pod-running-timeout=172800s`,
      ),
    );
    t.ok(
      result.calls.some((call) =>
        call.includes(`wait --for=condition=complete --timeout=30s job/${result.name}`),
      ),
    );
  },
);

t.test("run-job.sh exits 1 with the reason when the Job fails", needs("bash"), async (t) => {
  const kubectl = kubectlStandIn(dir);
  kubectl.outcome(
    "FailureTarget Failed",
    "DeadlineExceeded",
    "Job was active longer than specified deadline",
  );
  const result = await runJob(kubectl);
  t.equal(result.code, 1);
  t.match(result.stderr, /failed: DeadlineExceeded: Job was active longer/);
  t.ok(kubectl.hasJob(result.name), "the failed Job is kept for describe and logs");
});

t.test(
  "a trainer that stops leaves the Job running, and its rerun re-attaches to it",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    kubectl.outcome(""); // runs on
    const stopped = await runJob(kubectl, async (child) => {
      await untilWaiting(kubectl, 0);
      child.kill("SIGTERM");
    });
    t.equal(stopped.code, 143);
    t.notOk(verbsOf(stopped.calls).includes("delete job"), "nothing deleted");
    t.ok(kubectl.hasJob(stopped.name), "the Job (two days of training) is still there");
    t.match(stopped.stderr, /keeps running/);

    // The restarted trainer resumes the iteration at its fine-tune: same output, same name.
    kubectl.existingJob(stopped.name, "uid-running", "");
    const before = kubectl.calls().length;
    kubectl.outcome("SuccessCriteriaMet Complete");
    const created = kubectl.created();
    const resumed = await runJob(kubectl, async () => {
      await untilWaiting(kubectl, before);
      // The running Job completes while the rerun follows it.
      kubectl.existingJob(stopped.name, "uid-running", "SuccessCriteriaMet Complete");
    });
    t.equal(resumed.code, 0, resumed.stderr);
    const calls = resumed.calls.slice(before);
    t.notOk(verbsOf(calls).includes("create -f"), "no second Job");
    t.notOk(verbsOf(calls).includes("delete job"), "the running Job was not replaced");
    t.equal(kubectl.created(), created);
    t.match(resumed.stderr, /already running; re-attaching/);
    t.match(resumed.stdout, /epoch 1\/5/, "its log is followed again");
  },
);

t.test(
  "a Job that completed while no trainer followed it is used, not rerun",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    const name = nameIn(render(argvFor(7, "")).stdout);
    kubectl.existingJob(name, "uid-done", "SuccessCriteriaMet Complete");
    mkdirSync(OUTPUT_7, { recursive: true });
    writeFileSync(join(OUTPUT_7, "jurist-fine-tune.json"), "{}");
    t.teardown(() => rmSync(OUTPUT_7, { recursive: true, force: true }));
    const result = await runJob(kubectl);
    t.equal(result.code, 0, result.stderr);
    t.strictSame(verbsOf(result.calls), ["get job"], "one look, nothing created or followed");
    t.match(result.stderr, /had already completed; using its output/);
  },
);

t.test(
  "a completed Job whose output is missing is replaced (a Job of a wiped data directory)",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    const name = nameIn(render(argvFor(7, "")).stdout);
    kubectl.existingJob(name, "uid-old", "Complete");
    rmSync(OUTPUT_7, { recursive: true, force: true });
    kubectl.outcome("Complete");
    const result = await runJob(kubectl);
    t.equal(result.code, 0, result.stderr);
    t.strictSame(verbsOf(result.calls).slice(0, 3), ["get job", "delete job", "create -f"]);
  },
);

t.test(
  "a Job that failed while no trainer followed it fails the run once; the retry replaces it",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    const name = nameIn(render(argvFor(7, "")).stdout);
    kubectl.existingJob(name, "uid-failed", "FailureTarget Failed", "BackoffLimitExceeded");
    t.teardown(() => rmSync(`${OUTPUT_7}.job-failure-reported`, { force: true }));
    const first = await runJob(kubectl);
    t.equal(first.code, 1);
    t.match(first.stderr, /failed while no trainer followed it: BackoffLimitExceeded/);
    t.notOk(verbsOf(first.calls).includes("create -f"), "the failure is reported, not retried");
    t.ok(kubectl.hasJob(name), "and the Job kept");

    const retry = await retryReplacesTheJob(t, kubectl);
    t.match(retry.stderr, /failed and was reported; this is a retry; replacing it/);
  },
);

t.test(
  "a Job that fails while followed is not reported twice: the retry replaces it",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    t.teardown(() => rmSync(`${OUTPUT_7}.job-failure-reported`, { force: true }));
    kubectl.outcome("Failed", "DeadlineExceeded", "too long");
    const failed = await runJob(kubectl);
    t.equal(failed.code, 1);
    await retryReplacesTheJob(t, kubectl);
  },
);

t.test(
  "an API server out of reach at the start fails the run, creating nothing",
  needs("bash"),
  async (t) => {
    const kubectl = kubectlStandIn(dir);
    kubectl.down(true);
    const result = await runJob(kubectl);
    t.equal(result.code, 1);
    t.match(result.stderr, /could not be read/);
    t.strictSame(verbsOf(result.calls), ["get job"]);
  },
);

t.test("run-job.sh cancel deletes the Job, and only then", needs("bash"), async (t) => {
  const kubectl = kubectlStandIn(dir);
  const name = nameIn(render(argvFor(7, "")).stdout);
  kubectl.existingJob(name, "uid-running", "");
  const argv = argvFor(7, "");
  const cancelled = run(argv[0]!, ["cancel", "--output", OUTPUT_7], {
    env: { JURIST_KUBECTL: kubectl.command, JURIST_K8S_NAMESPACE: "judges" },
  });
  t.equal(cancelled.status, 0, cancelled.stderr);
  t.notOk(kubectl.hasJob(name), "deleted");
  t.equal(
    kubectl.calls().at(-1),
    `--namespace judges delete job ${name} --ignore-not-found --cascade=foreground --wait=true`,
  );
});
