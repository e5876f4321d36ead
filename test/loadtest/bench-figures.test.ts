import t from "tap";
import { compare, type ScenarioResult } from "../../loadtest/gateway/bench-results.ts";
import { BEFORE_ISSUE_21, imageTargetRows } from "../../loadtest/gateway/bench-targets.ts";
import {
  imageChatBodies,
  imagePairwiseBodies,
  PHOTO_DATA_URIS,
  PHOTOS,
  photoPng,
} from "../../loadtest/gateway/image-payloads.ts";
import { imageScenarios } from "../../loadtest/gateway/image-scenarios.ts";
import { judgeChatBody } from "../../loadtest/gateway/judge-chat-body.ts";
import {
  directChatRequest,
  IMAGE_DATA_URI,
  question,
  RESPONSES,
} from "../../loadtest/gateway/request-bodies.ts";
import type { Scenario } from "../../loadtest/gateway/scenarios.ts";
import { parseProcStat, statusBytes } from "../../loadtest/process-usage.ts";

// The pure parts of `npm run bench`: /proc parsing, the image payloads, the chat body of the
// minimal judge proxy, and the arithmetic of issue 21's image targets. The runner itself is
// covered end to end by bench-smoke.test.ts.

t.test("parseProcStat reads faults and CPU after a command name with spaces and parens", (t) => {
  // Fields 1–15 of proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
  // majflt cmajflt utime stime.
  const line = "4242 (node ) x (y) S 1 4242 4242 0 -1 4194560 1500 77 25 3 250 125 0 0 20 0 11";
  t.same(parseProcStat(line), { userSeconds: 2.5, systemSeconds: 1.25, pageFaults: 1525 });
  t.end();
});

t.test("statusBytes reads a Vm field of /proc/PID/status in bytes", (t) => {
  const status = "Name:\tnode\nVmPeak:\t 999 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  131072 kB\n";
  t.equal(statusBytes(status, "VmHWM"), 512 * 1024 * 1024);
  t.equal(statusBytes(status, "VmRSS"), 128 * 1024 * 1024);
  t.ok(Number.isNaN(statusBytes(status, "VmSwap")), "an absent field is NaN");
  t.end();
});

t.test("the photos are deterministic, distinct and barely compressible", (t) => {
  t.same(photoPng(0), PHOTOS[0], "the same seed gives the same bytes");
  t.equal(new Set(PHOTOS.map((photo) => photo.toString("base64"))).size, PHOTOS.length);
  for (const photo of PHOTOS) {
    t.ok(photo.length > 460 * 1024 && photo.length < 480 * 1024, `${photo.length} bytes`);
  }
  t.end();
});

t.test("image request bodies: every index a new verdict, the photos as given", (t) => {
  const body = JSON.parse(imagePairwiseBodies(4, true)(7));
  t.same(body, {
    question: question(7),
    images: PHOTO_DATA_URIS.map((url) => ({ url })),
    responses: RESPONSES,
    mode: "fast",
    swap: true,
    seed: 7,
  });
  const chat = JSON.parse(imageChatBodies(1, "judge")(9));
  t.same(
    chat,
    judgeChatBody({
      model: "judge",
      question: question(9),
      imageUrls: [PHOTO_DATA_URIS[0]!],
      slotA: RESPONSES[0],
      slotB: RESPONSES[1],
      seed: 9,
    }),
    "the spliced chat body is the one judgeChatBody builds for that index",
  );
  t.end();
});

t.test("the minimal judge proxy's chat body is the one Jurist's judge core sends", async (t) => {
  const jurist = JSON.parse(await directChatRequest(5, "judge", "fast"));
  const minimal = judgeChatBody({
    model: "judge",
    question: question(5),
    imageUrls: [IMAGE_DATA_URI],
    slotA: RESPONSES[0],
    slotB: RESPONSES[1],
    seed: 5,
  });
  t.same(minimal, jurist);
});

/** A result with the figures the image targets read; the rest is filler. */
function result(id: string, cpu: number, faults: number): Omit<ScenarioResult, never> {
  return {
    id,
    label: id,
    server: "image-jurist",
    transport: "http",
    connections: 8,
    verdictsPerRequest: 1,
    images: 1,
    ok: 100,
    itemFailures: 0,
    failures: {},
    seconds: 1,
    throughput: 100,
    p50: 1,
    p99: 2,
    serverCpuSeconds: 1,
    simCpuSeconds: 0,
    serverSystemSeconds: 0.25,
    serverPageFaults: faults * 100,
    verdictsPerSecond: 100,
    serverCpuMicrosPerVerdict: cpu,
    simCpuMicrosPerVerdict: 0,
    serverSystemMicrosPerVerdict: cpu / 4,
    serverPageFaultsPerVerdict: faults,
    overheadP50Ms: null,
    ratioToProxy: null,
    cpuToJudgeProxy: null,
    cpuToPassThrough: null,
    serverRssBytes: 0,
  };
}

t.test(
  "image targets: CPU over each same-run baseline, faults and peak RSS over a169ff1's",
  (t) => {
    const chosen = imageScenarios("judge").filter((scenario: Scenario) =>
      /^(pass-through-|judge-proxy-)?images-1-swap-off-c8$/.test(scenario.id),
    );
    t.equal(chosen.length, 3, "Jurist and its two baselines, 1 photo swap off");
    const raw = new Map([
      ["pass-through-images-1-swap-off-c8", result("pass-through-images-1-swap-off-c8", 3_000, 10)],
      ["judge-proxy-images-1-swap-off-c8", result("judge-proxy-images-1-swap-off-c8", 12_000, 600)],
      ["images-1-swap-off-c8", result("images-1-swap-off-c8", 6_000, 30)],
    ]);
    const results = compare(chosen, raw);
    const jurist = results.find((r) => r.id === "images-1-swap-off-c8")!;
    t.equal(jurist.cpuToJudgeProxy, 0.5);
    t.equal(jurist.cpuToPassThrough, 2);
    const before = {
      ...BEFORE_ISSUE_21,
      pageFaultsPerVerdict: { onePhotoSwapOff: 400, fourPhotosSwapOn: 3_000 },
      peakRssBytes: 500 * 1024 * 1024,
    };
    const peak = (bytes: number) => ({
      idleBytes: 100 * 1024 * 1024,
      peakBytes: bytes,
      sampledPeakBytes: bytes,
      method: "VmHWM" as const,
      requests: 96,
      failures: {},
    });
    const rows = imageTargetRows(
      results,
      { jurist: peak(260 * 1024 * 1024), judgeProxy: peak(300 * 1024 * 1024) },
      before,
    );
    t.same(
      rows.map((row) => [row.result.split(" ")[0], row.target, row.met]),
      [
        ["0.50×", "≤ 0.6×", true],
        ["2.00×", "≤ 2.5×", true],
        ["0.07×", "≤ 0.1×", true],
        ["0.52×", "≤ 0.5×", false],
      ],
      "the four rows 1 photo swap off and the peak make, 4-photo rows absent without their results",
    );
    t.match(rows[2]!.baseline, /a169ff1 .*: 400\/verdict; minimal judge proxy: 600\/verdict/);
    t.end();
  },
);
