import t from "tap";
import {
  type BenchmarkItem,
  buildContaminationIndex,
  checkContamination,
  guardPrompts,
  normaliseQuestion,
} from "../../../trainer/core/contamination-guard.ts";

const hash = (c: string) => c.repeat(64);
const items: BenchmarkItem[] = [
  {
    benchmark: "vlrb",
    id: "0:abc",
    question: "How many zebras are drinking?",
    imageSha256s: [hash("a")],
  },
  { benchmark: "vlrb", id: "1:def", question: "Describe this image.", imageSha256s: [hash("b")] },
  {
    benchmark: "mmrb",
    id: "vqa-7",
    question: "Describe this image.",
    imageSha256s: [hash("c"), hash("d")],
  },
  { benchmark: "mmrb", id: "empty", question: "?!", imageSha256s: [] },
];
const index = buildContaminationIndex(items);

t.test("question normalisation: case, whitespace, punctuation", async (t) => {
  t.equal(
    normaliseQuestion("  How MANY\nzebras — are drinking?? "),
    "how many zebras are drinking",
  );
  t.equal(normaliseQuestion("What's this?"), "what s this");
  t.equal(normaliseQuestion("!?"), "");
});

t.test("an image match, by SHA-256 in any case", async (t) => {
  t.same(checkContamination(index, { question: "Anything else", imageHashes: [hash("D")] }), {
    contaminated: true,
    reason: "image",
    match: "mmrb:vqa-7",
  });
});

t.test("a question match after normalisation", async (t) => {
  t.same(
    checkContamination(index, {
      question: "how many ZEBRAS are drinking",
      imageHashes: [hash("e")],
    }),
    {
      contaminated: true,
      reason: "question",
      match: "vlrb:0:abc",
    },
  );
  t.equal(
    checkContamination(index, { question: "How many zebras are eating?", imageHashes: [] })
      .contaminated,
    false,
  );
});

t.test("image evidence is reported first", async (t) => {
  const check = checkContamination(index, {
    question: "Describe this image.",
    imageHashes: [hash("a")],
  });
  t.match(check, { reason: "image", match: "vlrb:0:abc" });
});

t.test("an empty question never matches everything", async (t) => {
  t.equal(checkContamination(index, { question: "", imageHashes: [] }).contaminated, false);
  t.equal(checkContamination(index, { question: "...", imageHashes: [] }).contaminated, false);
});

t.test("a batch: kept in order, drops counted by reason", async (t) => {
  const prompts = [
    { id: "p1", question: "What is on the table?", imageHashes: [hash("e")] },
    { id: "p2", question: "Q", imageHashes: [hash("b")] },
    { id: "p3", question: "Describe this image!", imageHashes: [hash("f")] },
    { id: "p4", question: "How many zebras are drinking", imageHashes: [hash("c")] },
    { id: "p5", question: "Count the cups.", imageHashes: [] },
  ];
  const result = guardPrompts(index, prompts);
  t.same(
    result.kept.map((p) => p.id),
    ["p1", "p5"],
  );
  t.same(result.counts, { image: 2, question: 1 });
  t.same(
    result.dropped.map((d) => [d.prompt.id, d.reason, d.match]),
    [
      ["p2", "image", "vlrb:1:def"],
      ["p3", "question", "vlrb:1:def"],
      ["p4", "image", "mmrb:vqa-7"],
    ],
  );
});

t.test("generic questions can be limited to image matches", async (t) => {
  const relaxed = buildContaminationIndex(items, { genericQuestionMinItems: 2 });
  t.equal(relaxed.genericQuestions, 1);
  t.equal(
    checkContamination(relaxed, { question: "Describe this image.", imageHashes: [hash("f")] })
      .contaminated,
    false,
  );
  t.equal(
    checkContamination(relaxed, { question: "Describe this image.", imageHashes: [hash("b")] })
      .contaminated,
    true,
  );
  t.equal(
    checkContamination(relaxed, { question: "How many zebras are drinking?", imageHashes: [] })
      .contaminated,
    true,
  );
  t.equal(index.genericQuestions, 0, "strict by default");
  t.equal(index.items, 4);
});

t.test("an image or question held by several items names the first of them", async (t) => {
  const shared = buildContaminationIndex([
    {
      benchmark: "vlrb",
      id: "first",
      question: "What colour is the bus?",
      imageSha256s: [hash("E")],
    },
    {
      benchmark: "mmrb",
      id: "second",
      question: "what colour is the bus",
      imageSha256s: [hash("e")],
    },
  ]);
  t.same([...shared.images], [[hash("e"), "vlrb:first"]], "one entry, lower-case");
  t.same(checkContamination(shared, { question: "Other", imageHashes: [hash("e")] }), {
    contaminated: true,
    reason: "image",
    match: "vlrb:first",
  });
  t.same(checkContamination(shared, { question: "What colour is the bus", imageHashes: [] }), {
    contaminated: true,
    reason: "question",
    match: "vlrb:first",
  });
});

t.test("any of a prompt's images can match; symbols are removed like punctuation", async (t) => {
  t.match(checkContamination(index, { question: "Q", imageHashes: [hash("e"), hash("c")] }), {
    reason: "image",
    match: "mmrb:vqa-7",
  });
  t.equal(normaliseQuestion("Is 2+2=4 <here>?"), "is 2 2 4 here");
  t.equal(normaliseQuestion("Ｈｏｗ ＭＡＮＹ"), "how many", "full-width letters fold (NFKC)");
});
