import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { request } from "undici";
import { serveGateway } from "../../helpers/serve-process.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSC = join(ROOT, "node_modules/.bin/tsc");
// tap injects its process-tracking loader into every child through NODE_OPTIONS, and the
// TypeScript 7 compiler's entry point cannot load under it: `env -u` drops it at exec time.
const PLAIN = ["-u", "NODE_OPTIONS"];

t.test("npm run build compiles a server that judges", async (t) => {
  // Inside the repository (git-ignored), so the compiled files resolve node_modules.
  mkdirSync(join(ROOT, ".scratch"), { recursive: true });
  const out = mkdtempSync(join(ROOT, ".scratch/build-"));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  execFileSync("env", [...PLAIN, TSC, "-p", "tsconfig.build.json", "--outDir", out], { cwd: ROOT });

  // Plain Node (no loader in NODE_OPTIONS) runs the compiled entry point.
  const gateway = await serveGateway(t, { NODE_OPTIONS: "" }, [], [join(out, "src/cli.js")]);
  const response = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question: "Which is right?", responses: ["one", "two"], mode: "fast" }),
  });
  const verdict = (await response.body.json()) as { outcome: string; simulated: boolean };
  t.equal(response.statusCode, 200);
  t.equal(verdict.outcome, "ok", "a verdict from the compiled JavaScript");
  t.equal(await gateway.stop(), 0, "drains and exits 0 on SIGTERM");
});

t.test("bin/jurist.js runs dist/ only while it is newer than every source", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "jurist-bin-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ["bin", "src/sub", "sim", "trainer", "dist/src"]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  copyFileSync(join(ROOT, "bin/jurist.js"), join(root, "bin/jurist.js"));
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(root, "src/cli.ts"), 'const from: string = "sources";\nconsole.log(from);\n');
  writeFileSync(join(root, "src/sub/deep.ts"), "export {};\n");
  writeFileSync(join(root, "trainer/stage.ts"), "export {};\n");
  writeFileSync(join(root, "sim/replica.ts"), "export {};\n");
  writeFileSync(join(root, "dist/src/cli.js"), 'console.log("compiled");\n');
  const run = () =>
    execFileSync("env", [...PLAIN, process.execPath, join(root, "bin/jurist.js")], {
      encoding: "utf8",
    }).trim();
  const age = (file: string, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(root, file), at, at);
  };
  for (const file of ["src/cli.ts", "src/sub/deep.ts", "sim/replica.ts", "trainer/stage.ts"]) {
    age(file, 60);
  }
  age("dist/src/cli.js", 30);
  t.equal(run(), "compiled", "a build newer than every source runs");
  age("src/sub/deep.ts", 10);
  t.equal(run(), "sources", "a source edited after the build (in a subfolder): tsx runs src/");
  age("src/sub/deep.ts", 60);
  age("trainer/stage.ts", 10);
  t.equal(run(), "sources", "the trainer's sources count too");
  age("trainer/stage.ts", 60);
  age("sim/replica.ts", 10);
  t.equal(run(), "sources", "and the simulator's");
  rmSync(join(root, "dist"), { recursive: true });
  t.equal(run(), "sources", "no build: tsx runs src/");
});
