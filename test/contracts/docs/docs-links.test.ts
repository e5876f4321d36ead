import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { headingAnchor } from "../observability/deploy-files.ts";

// Contract of the documentation (issue 15, item 6): a short README that maps docs/, every doc
// it promises, relative links that land on a file (and, into a Markdown file, on a heading),
// and no link out of the repository but the loopback examples.

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README_MAX_LINES = 200;

/** The documents docs/ must hold, README's map links every one. */
const REQUIRED_DOCS = [
  "architecture.md",
  "api.md",
  "grpc.md",
  "reward-and-rlhf.md",
  "configuration.md",
  "deployment.md",
  "operations.md",
  "training.md",
  "evaluation.md",
  "simulator.md",
  "development.md",
] as const;

/** README.md and every docs/*.md, repository-relative. */
function documents(): string[] {
  const docs = existsSync(join(ROOT, "docs"))
    ? readdirSync(join(ROOT, "docs"))
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ["README.md", ...docs];
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Lines of a text as an editor counts them (a final newline ends the last line). */
function lineCount(text: string): number {
  if (text === "") return 0;
  return text.replace(/\n$/, "").split("\n").length;
}

/** The text with fenced code blocks and inline code spans blanked: what renders as prose. */
function prose(markdown: string): string {
  return markdown
    .replace(/^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, "")
    .replace(/(`+)[\s\S]*?\1/g, "");
}

/** Every link target of a Markdown text: inline links and images, reference definitions, autolinks. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets: string[] = [];
  for (const [, target] of text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+["'(][^)]*)?\)/g)) {
    targets.push(target!);
  }
  for (const [, target] of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) {
    targets.push(target!);
  }
  for (const [, target] of text.matchAll(/<([a-z][a-z0-9+.-]*:[^\s>]+)>/gi)) targets.push(target!);
  for (const [, target] of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/gi)) {
    targets.push(target!);
  }
  return targets;
}

/** URLs GitHub turns into links by themselves: bare http(s):// and www. in prose. */
function bareUrls(markdown: string): string[] {
  const text = prose(markdown)
    .replace(/\]\([^)]*\)/g, "]")
    .replace(/<[^>\s]+>/g, "");
  return [...text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>)\]"'`]+/gi)].map(([url]) => url);
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether a link target leaves the repository: any scheme but http(s) to a loopback host. */
function isExternal(target: string): boolean {
  if (/^www\./i.test(target)) return true;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1]?.toLowerCase();
  if (scheme === undefined) return target.startsWith("//");
  if (scheme !== "http" && scheme !== "https") return true;
  try {
    return !LOOPBACK.has(new URL(target).hostname);
  } catch {
    return true;
  }
}

/** The anchors GitHub gives a Markdown file's headings (repeats get -1, -2, …) and HTML ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, "");
  for (const [, heading] of text.matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = heading!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1");
    const base = headingAnchor(plain);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(id!);
  return anchors;
}

interface BrokenLink {
  target: string;
  reason: string;
}

/** What is wrong with each relative link of `doc` (repository-relative path). */
function brokenLinks(doc: string, markdown: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const target of linkTargets(markdown)) {
    if (isExternal(target) || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [rawPath = "", anchor] = target.split("#", 2);
    const path = decodeURIComponent(rawPath);
    const file = path === "" ? join(ROOT, doc) : join(ROOT, dirname(doc), path);
    const shown = relative(ROOT, file) || ".";
    if (relative(ROOT, file).startsWith("..")) {
      broken.push({ target, reason: `${shown} is outside the repository` });
      continue;
    }
    if (!existsSync(file)) {
      broken.push({ target, reason: `${shown} does not exist` });
      continue;
    }
    if (anchor && file.endsWith(".md") && statSync(file).isFile()) {
      if (!anchorsOf(readFileSync(file, "utf8")).has(anchor)) {
        broken.push({ target, reason: `${shown} has no heading #${anchor}` });
      }
    }
  }
  return broken;
}

t.test(`README.md has at most ${README_MAX_LINES} lines`, async (t) => {
  const lines = lineCount(read("README.md"));
  t.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
});

t.test("docs/ holds every document the README maps, and the README links each", async (t) => {
  const readmeTargets = new Set(linkTargets(read("README.md")).map((link) => link.split("#")[0]));
  for (const name of REQUIRED_DOCS) {
    t.ok(existsSync(join(ROOT, "docs", name)), `docs/${name} exists`);
    t.ok(readmeTargets.has(`docs/${name}`), `README.md links docs/${name}`);
  }
});

t.test("every relative link lands on a file, and on a heading when it names one", async (t) => {
  for (const doc of documents()) {
    const broken = brokenLinks(doc, read(doc));
    t.same(broken, [], `${doc}: ${broken.map((b) => `${b.target} (${b.reason})`).join("; ")}`);
  }
});

t.test("no document links outside the repository, loopback examples aside", async (t) => {
  for (const doc of documents()) {
    const markdown = read(doc);
    const external = [...linkTargets(markdown), ...bareUrls(markdown)].filter(isExternal);
    t.same(external, [], `${doc} links only inside the repository`);
  }
});

t.test("the checks catch what they are for", async (t) => {
  t.equal(lineCount("a\nb\n"), 2);
  t.equal(lineCount("a\nb"), 2);
  t.same(linkTargets('[a](docs/api.md#errors) ![i](x.png "t")\n[r]: ../y.md\n<https://e.org/>'), [
    "docs/api.md#errors",
    "x.png",
    "../y.md",
    "https://e.org/",
  ]);
  t.same(linkTargets("```md\n[a](gone.md)\n```\n`[b](gone.md)`"), [], "code is not a link");
  t.same(bareUrls("see https://example.com/x and `https://in.code/` and http://127.0.0.1:8080"), [
    "https://example.com/x",
    "http://127.0.0.1:8080",
  ]);
  t.ok(isExternal("https://example.com/"));
  t.ok(isExternal("mailto:someone@example.com"));
  t.ok(isExternal("//example.com/x"));
  t.notOk(isExternal("http://127.0.0.1:8080/docs"));
  t.notOk(isExternal("http://localhost:3000"));
  t.notOk(isExternal("docs/api.md"));
  t.same(
    [...anchorsOf("# Title\n## `POST /v1/reward`\n## Title\n```\n# not\n```")],
    ["title", "post-v1reward", "title-1"],
  );
  t.same(
    brokenLinks(
      "README.md",
      "[x](docs/no-such-file.md) [y](README.md#no-such-heading) [z](../outside.md)",
    ).map((b) => b.target),
    ["docs/no-such-file.md", "README.md#no-such-heading", "../outside.md"],
  );
  t.same(brokenLinks("README.md", "[ok](package.json) [ok](deploy/k8s) [ok](#jurist)"), []);
});
