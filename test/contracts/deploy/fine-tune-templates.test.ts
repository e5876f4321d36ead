import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { TrainingExample } from "../../../trainer/core/training-example.ts";
import { fineTuneArgv } from "../../../trainer/stages/fine-tune.ts";
import {
  K8S_DIR,
  needs,
  readmeTemplates,
  run,
  TRL_DIR,
  writeDataset,
} from "./fine-tune-fixtures.ts";

const SCRIPT = join(TRL_DIR, "train_judge.py");
const dir = mkdtempSync(join(tmpdir(), "jurist-fine-tune-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { file: dataset, examples } = writeDataset(dir);

/** Python that makes importing the training libraries fail, then runs `code`. */
function withoutTrainingLibraries(code: string): string {
  return [
    "import sys",
    `sys.path.insert(0, ${JSON.stringify(TRL_DIR)})`,
    "for name in ('torch', 'transformers', 'trl', 'peft', 'datasets', 'accelerate', 'PIL', 'numpy'):",
    "    sys.modules[name] = None",
    code,
  ].join("\n");
}

/** The examples with each line's problem applied; `null` keeps a line as it is. */
function corrupted(): string {
  const copy = (): TrainingExample => structuredClone(examples[0]!);
  const missingImage = copy();
  missingImage.images = [join(dir, "images/missing.png")];
  const noImagePart = copy();
  noImagePart.messages[1]!.content = noImagePart.messages[1]!.content.filter(
    (part) => part.type !== "image",
  );
  const noVerdict = copy();
  noVerdict.messages[2]!.content = [{ type: "text", text: "Assistant A is better." }];
  const declined = copy();
  declined.messages[2]!.content = [{ type: "text", text: "Neither is right.\n[[C]]" }];
  const relative = copy();
  relative.images = ["images/one.png"];
  const notAnImage = copy();
  writeFileSync(join(dir, "images/text.png"), "not a picture");
  notAnImage.images = [join(dir, "images/text.png")];
  const lines = [
    JSON.stringify(examples[0]),
    JSON.stringify(missingImage),
    JSON.stringify(noImagePart),
    JSON.stringify(noVerdict),
    JSON.stringify(declined),
    "{not json",
    JSON.stringify(relative),
    JSON.stringify(notAnImage),
    JSON.stringify(examples[3]),
  ];
  const file = join(dir, "corrupted.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n\n`);
  return file;
}

t.test("--check-dataset accepts the trainer's own examples", needs("python3"), async (t) => {
  const result = run("python3", [SCRIPT, "--check-dataset", dataset]);
  t.equal(result.status, 0, result.stderr);
  t.match(
    result.stdout,
    /dataset OK: .*: 4 examples, 3 image files, verdicts \[\[A\]\] 2 \/ \[\[B\]\] 2/,
  );
});

t.test("--check-dataset and --help need the standard library only", needs("python3"), async (t) => {
  const check = withoutTrainingLibraries(
    `sys.argv = ["train_judge.py", "--check-dataset", ${JSON.stringify(dataset)}]\n` +
      "import train_judge\nsys.exit(train_judge.main(sys.argv[1:]))",
  );
  const result = run("python3", ["-c", check]);
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /dataset OK/);
  const help = run("python3", [
    "-c",
    withoutTrainingLibraries("import train_judge\ntrain_judge.parse(['--help'])"),
  ]);
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /--learning-rate/);
});

// Follows TRL's trl/trainer/sft_config.py (huggingface/trl at 016013e88acec9257c7476fdcdb12e5479938a5f,
// a 1.x release after 1.1.0; requirements.txt pins trl~=1.13): SFTConfig.learning_rate defaults to
// 2e-5 there, so the template must always pass its own rate for these defaults to hold.
t.test(
  "the learning rate defaults to the paper's 1e-5 for --full and to 1e-4 for LoRA; 5 epochs",
  needs("python3"),
  async (t) => {
    const required = ["--dataset", dataset, "--output", join(dir, "out"), "--base-model", "m"];
    const parsed = (...extra: string[]) => {
      const code = `import json, train_judge\nprint(json.dumps(vars(train_judge.parse(${JSON.stringify([...required, ...extra])}))))`;
      const result = run("python3", ["-c", withoutTrainingLibraries(code)]);
      t.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout) as { learning_rate: number; epochs: number; full: boolean };
    };
    t.match(parsed(), { full: false, learning_rate: 1e-4, epochs: 5 }, "LoRA");
    t.match(
      parsed("--full"),
      { full: true, learning_rate: 1e-5, epochs: 5 },
      "full, as in the paper",
    );
    t.match(parsed("--learning-rate", "2e-4"), { learning_rate: 2e-4 }, "a given rate wins (LoRA)");
    t.match(parsed("--full", "--learning-rate", "3e-6", "--epochs", "2"), {
      learning_rate: 3e-6,
      epochs: 2,
    });
    const help = run("python3", [SCRIPT, "--help"]);
    t.match(
      help.stdout.replace(/\s+/g, " "),
      /default 1e-5 with --full \(the paper's\), 1e-4 for a LoRA adapter/,
    );
    const zero = run("python3", [SCRIPT, ...required, "--learning-rate", "0"]);
    t.equal(zero.status, 2, "a rate of 0 is a usage error");
  },
);

t.test("--check-dataset names every bad line and exits 1", needs("python3"), async (t) => {
  const result = run("python3", [SCRIPT, "--check-dataset", corrupted()]);
  t.equal(result.status, 1);
  t.equal(result.stdout, "", "no summary for a bad dataset");
  const expected: [number, RegExp][] = [
    [2, /image 0 not found: .*missing\.png/],
    [3, /0 image parts but 1 images/],
    [4, /does not end in a \[\[A\]\] or \[\[B\]\] verdict/],
    [5, /does not end in a \[\[A\]\] or \[\[B\]\] verdict/],
    [6, /not valid JSON/],
    [7, /image 0 path is not absolute/],
    [8, /image 0 is not a PNG, JPEG, GIF or WebP file/],
  ];
  for (const [line, problem] of expected) {
    const reported = result.stderr.split("\n").filter((l) => l.startsWith(`line ${line}: `));
    t.ok(
      reported.some((l) => problem.test(l)),
      `line ${line}: ${problem}`,
      { found: reported },
    );
  }
  t.notMatch(result.stderr, /^line (1|9):/m, "the good lines are not reported");
  t.match(result.stderr, /7 bad examples, on lines 2, 3, 4, 5, 6, 7, 8\n/);
});

t.test(
  "the scripts parse, and the image has every module they import",
  needs("python3", "bash"),
  async (t) => {
    const modules = readdirSync(TRL_DIR).filter((name) => name.endsWith(".py"));
    t.ok(modules.includes("parquet_rows.py") && modules.includes("train_judge.py"));
    const copied = readFileSync(join(TRL_DIR, "Dockerfile"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("COPY "))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    for (const name of modules) t.ok(copied.includes(name), `the Dockerfile copies ${name}`);
    for (const name of modules) {
      const compile =
        "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)";
      const result = run("python3", ["-c", compile, join(TRL_DIR, name), join(dir, `${name}c`)]);
      t.equal(result.status, 0, `${name}: ${result.stderr}`);
    }
    for (const script of [join(TRL_DIR, "fine-tune.sh"), join(K8S_DIR, "run-job.sh")]) {
      const result = run("bash", ["-n", script]);
      t.equal(result.status, 0, `${script}: ${result.stderr}`);
    }
  },
);

t.test("the README's templates are the ones the scripts document", async (t) => {
  const templates = readmeTemplates();
  t.equal(templates.all.length, 2, "one template per script");
  t.ok(templates.trl, "a template runs fine-tune.sh");
  t.ok(templates.k8s, "a template runs run-job.sh");
  t.ok(readFileSync(join(TRL_DIR, "fine-tune.sh"), "utf8").includes(templates.trl));
  t.ok(readFileSync(join(K8S_DIR, "run-job.sh"), "utf8").includes(templates.k8s));
  for (const template of templates.all) {
    t.match(
      template,
      /--dataset \{dataset\} --output \{output\} --init \{init\} --base-model \{base_model\}$/,
    );
  }
});

t.test(
  "fine-tune.sh launches train_judge.py with the template's arguments, with and without {init}",
  needs("python3", "bash"),
  async (t) => {
    const { trl } = readmeTemplates();
    for (const init of ["", join(dir, "previous-checkpoint")]) {
      const values = { dataset, output: join(dir, "checkpoint"), init, base_model: "org/vlm" };
      const argv = fineTuneArgv(trl, values);
      t.equal(argv.includes("--init"), init !== "", "an empty {init} drops its flag");
      const result = run(argv[0]!, argv.slice(1), { env: { JURIST_FINE_TUNE_DRY_RUN: "1" } });
      t.equal(result.status, 0, result.stderr);
      t.match(result.stderr, /dataset OK/, "the dataset was checked first");
      t.strictSame(result.stdout.trimEnd().split("\n"), [
        "accelerate",
        "launch",
        "--config_file",
        join(TRL_DIR, "accelerate.yaml"),
        join(TRL_DIR, "train_judge.py"),
        ...argv.slice(1),
      ]);
      // What train_judge.py makes of those arguments, without the training libraries.
      const parse = withoutTrainingLibraries(
        `import json, train_judge\nprint(json.dumps(vars(train_judge.parse(${JSON.stringify(argv.slice(1))}))))`,
      );
      const parsed = run("python3", ["-c", parse]);
      t.equal(parsed.status, 0, parsed.stderr);
      t.match(JSON.parse(parsed.stdout), {
        dataset,
        output: values.output,
        init,
        base_model: "org/vlm",
        learning_rate: 1e-4,
        epochs: 5,
        full: false,
      });
    }
  },
);

t.test(
  "fine-tune.sh stops on a bad dataset before launching anything",
  needs("python3", "bash"),
  async (t) => {
    const script = join(TRL_DIR, "fine-tune.sh");
    const bad = run(
      script,
      ["--dataset", corrupted(), "--output", join(dir, "x"), "--base-model", "m"],
      {
        env: { JURIST_FINE_TUNE_DRY_RUN: "1" },
      },
    );
    t.equal(bad.status, 1);
    t.equal(bad.stdout, "", "no launch command");
    t.match(bad.stderr, /on lines 2, 3, 4, 5, 6, 7, 8/);
    const none = run(script, ["--output", join(dir, "x")], {
      env: { JURIST_FINE_TUNE_DRY_RUN: "1" },
    });
    t.equal(none.status, 2);
    t.match(none.stderr, /--dataset FILE is required/);
  },
);
