// @ts-check
// Mutation testing of the pure code (docs/development.md, "Mutation testing"): `npm run mutate`
// runs StrykerJS over the modules below, each mutant against the unit-test files that load the
// mutated module, then scripts/check-mutation-scores.ts holds every module to its threshold.
//
// Each test file runs in its own `node --import=tsx` process (Stryker's tap runner: ~1 s a
// file, where tap's own runner takes 5–7 s), and "perTest" coverage means a mutant runs only
// the test files that executed its code.

/**
 * The mutated modules: the gateway's pure core, the trainer's pure core, the routing function
 * and the evaluation statistics.
 */
export const mutatedModules = [
  "src/core/*.ts",
  "trainer/core/*.ts",
  "src/engine/replica-routing.ts",
  "trainer/eval/confidence-intervals.ts",
  "trainer/eval/mcnemar.ts",
  "trainer/eval/paired-comparison.ts",
  "trainer/eval/stratified-bootstrap.ts",
];

/**
 * The unit tests that exercise them. Long statistical simulations (the bootstrap's coverage
 * check) live in files of their own that `npm test` runs and this list leaves out: under
 * Stryker's instrumentation they take minutes per mutant and kill nothing a unit test misses.
 */
export const mutationTestFiles = [
  "test/src/core/*.test.ts",
  "test/trainer/core/*.test.ts",
  "test/src/engine/replica-routing.test.ts",
  "test/src/engine/poll-routing-baseline.test.ts",
  "test/src/engine/class-admission.test.ts",
  "test/trainer/eval/confidence-intervals.test.ts",
  "test/trainer/eval/mcnemar.test.ts",
  "test/trainer/eval/paired-comparison.test.ts",
  "test/trainer/eval/stratified-bootstrap.test.ts",
];

/**
 * The score each module must keep (Stryker's: killed and timed-out mutants over all valid
 * ones), with the mutants listed in `equivalentMutants` taken out of the count. A module with no
 * equivalent mutant has nothing to excuse a survivor, so it is held higher.
 */
export const mutationThresholds = { withEquivalentMutants: 90, withoutEquivalentMutants: 95 };

/**
 * Mutants that change no behaviour, so no test can kill them. Each names its module, Stryker's
 * mutator, the source line it sits on (trimmed, so the entry survives edits elsewhere in the
 * file) and the replacement Stryker reports, and says why no input can tell them apart. An
 * entry excuses one mutant, or `mutants` of them when one line carries identical ones.
 * scripts/check-mutation-scores.ts fails on an entry that matches fewer surviving mutants than
 * it declares, so the list cannot outlive the code it excuses.
 * @type {{ file: string; mutator: string; line: string; replacement: string; mutants?: number; reason: string }[]}
 */
export const equivalentMutants = [
  // trainer/core/answer-normalisation.ts
  {
    file: "trainer/core/answer-normalisation.ts",
    mutator: "Regex",
    line: "/^(?:(?:option|choice|answer|letter)\\s+)?(?:\\(([a-h])\\)|([a-h])(?=[.):]|$))[.):]?(?:\\s+.*)?$/is;",
    replacement:
      "/^(?:(?:option|choice|answer|letter)\\s+)?(?:\\(([a-h])\\)|([a-h])(?=[.):]|$))[.):]?(?:\\s.*)?$/is",
    reason:
      "with the s flag `.` matches whitespace too, so `\\s.*` matches exactly the strings `\\s+.*` does (any whitespace character followed by anything)",
  },
  {
    file: "trainer/core/answer-normalisation.ts",
    mutator: "Regex",
    line: 'const tokens = spaced.split(/\\s+/).filter((token) => token !== "" && !ARTICLES.has(token));',
    replacement: "/\\s/",
    reason:
      "splitting on single whitespace characters only adds empty tokens between consecutive whitespace characters, and the filter drops every empty token",
  },
  {
    file: "trainer/core/answer-normalisation.ts",
    mutator: "ArrayDeclaration",
    line: 'return context.form === "option" ? [..."ABCDEFGH"] : [];',
    replacement: '["Stryker was here"]',
    reason:
      "context.options is empty on this line, so optionOf can only return a letter named by a letter answer; no letter answer yields the string 'Stryker was here' and the option-text lookup finds nothing in an empty list, so optionOf still returns null",
  },
  {
    file: "trainer/core/answer-normalisation.ts",
    mutator: "StringLiteral",
    line: 'const first = text.split(" ")[0] ?? "";',
    replacement: '"Stryker was here!"',
    reason:
      "String.prototype.split with a separator always returns at least one element, so [0] is never undefined and the fallback is never evaluated",
  },
  // trainer/core/answer-extraction.ts
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "StringLiteral",
    line: 'const answer = cleanAnswer(match[1] ?? "");',
    replacement: '"Stryker was here!"',
    reason:
      "every EXPLICIT pattern has exactly one capture group that is not optional, so match[1] is always a string and the fallback is never evaluated",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "StringLiteral",
    line: 'const spans = [...response.matchAll(BOLD)].map((m) => cleanAnswer(m[1] ?? m[2] ?? ""));',
    replacement: '"Stryker was here!"',
    reason:
      "BOLD has two alternatives, each with one non-optional group, so a match always sets m[1] or m[2] and the final fallback is never evaluated",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "MethodExpression",
    line: "return text.split(/\\s+/).filter(Boolean).length;",
    replacement: "text.split(/\\s+/)",
    reason:
      "wordCount only sees text from cleanAnswer, which is trimmed and, by shortEnough, non-empty, so splitting on whitespace yields no empty strings for the filter to drop",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "Regex",
    line: "return text.split(/\\s+/).filter(Boolean).length;",
    replacement: "/\\s/",
    reason:
      "splitting on each whitespace character instead of each run only adds empty strings between adjacent spaces, which filter(Boolean) drops: the count is the same",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "MethodExpression",
    line: "const stripped = text",
    replacement: "text",
    reason:
      "the leading trim() is redundant within a round: the next two replaces strip every leading and trailing \\s, and trim() removes exactly the \\s set (WhiteSpace and LineTerminator); no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "MethodExpression",
    line: "const stripped = text",
    replacement:
      'text.trim().replace(/^[:\uff1a\\s]+/, "").replace(/[.!;,\\s]+$/, "").replace(/^[*_`"\'\u201c\u2018$]+|[*_`"\'\u201d\u2019$]+$/g, "")',
    reason:
      "without the final trim() a round may return spaces it uncovered, or miss a wrapper they hide; cleanAnswer repeats cleanOnce until the text stops changing, and each round begins with trim(), so the next round removes them and unwraps: the fixed point is the same; no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "Regex",
    line: '.replace(/^[:\uff1a\\s]+/, "")',
    replacement: "/^[:\uff1a\\s]/",
    reason:
      "stripping one leading colon or space per round instead of the whole run: cleanAnswer repeats cleanOnce until the text stops changing, and each round begins with trim() and strips the next one, so the loop reaches the same text; no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "Regex",
    line: '.replace(/[.!;,\\s]+$/, "")',
    replacement: "/[.!;,\\s]$/",
    reason:
      "stripping one trailing stop, comma or space per round instead of the whole run: cleanAnswer repeats cleanOnce until the text stops changing, and each round begins with trim() and strips the next one, so the loop reaches the same text; no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "Regex",
    line: '.replace(/^[*_`"\'\u201c\u2018$]+|[*_`"\'\u201d\u2019$]+$/g, "")',
    replacement: "/^[*_`\"'\u201c\u2018$]|[*_`\"'\u201d\u2019$]+$/g",
    reason:
      "stripping one leading emphasis or quote character per round instead of the whole run: cleanAnswer repeats cleanOnce until the text stops changing, and each round begins with trim() and strips the next, so the loop reaches the same text; no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "Regex",
    line: '.replace(/^[*_`"\'\u201c\u2018$]+|[*_`"\'\u201d\u2019$]+$/g, "")',
    replacement: "/^[*_`\"'\u201c\u2018$]+|[*_`\"'\u201d\u2019$]$/g",
    reason:
      "stripping one trailing emphasis or quote character per round instead of the whole run: cleanAnswer repeats cleanOnce until the text stops changing, and each round begins with trim() and strips the next, so the loop reaches the same text; no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "MethodExpression",
    line: "return wrapped ? wrapped[1]!.trim() : stripped;",
    replacement: "wrapped[1]!",
    reason:
      "an unwrapped answer with spaces inside the wrapper differs from the text, so cleanAnswer repeats cleanOnce until the text stops changing, and each round begins with trim(): the spaces go one round later; no difference in 200,000 random strings of the characters these rules touch, through cleanAnswer and extractFinalAnswer",
  },
  {
    file: "trainer/core/answer-extraction.ts",
    mutator: "StringLiteral",
    line: 'const last = cleanAnswer(lines.at(-1) ?? "");',
    replacement: '"Stryker was here!"',
    reason:
      "the fallback is used only when there are no lines; then lines.length is 0, so `last` is not read by the final_line check (lines.length > 1) and the whole check (lines.length === 1) fails as before",
  },
  // trainer/core/number-words.ts
  {
    file: "trainer/core/number-words.ts",
    mutator: "EqualityOperator",
    line: "while (i < tokens.length) {",
    replacement: "i <= tokens.length",
    reason:
      'the extra pass at i === tokens.length reads tokens[i] === undefined, which is not "and", so word is undefined, cls is null and the loop breaks before changing words or i',
  },
  {
    file: "trainer/core/number-words.ts",
    mutator: "ConditionalExpression",
    line: "const cls: WordClass | null = word === undefined ? null : classOf(word);",
    replacement: "false",
    reason:
      'classOf(undefined) is null too: undefined is in neither word list, is not "hundred", and "undefined" is not a key of SCALES',
  },
  // order-combination
  {
    file: "src/core/order-combination.ts",
    mutator: "EqualityOperator",
    line: 'return probabilityA > 0.5 ? "A" : "B";',
    replacement: "probabilityA >= 0.5",
    reason:
      "settleDisagreement returns a tie for probabilityA === 0.5 on the line before, so this line never sees 0.5 and `>` and `>=` agree on every value it does see",
  },
  // reward-scores
  {
    file: "src/core/reward-scores.ts",
    mutator: "EqualityOperator",
    line: "for (let a = 0; a < count; a++) for (let b = a + 1; b < count; b++) pairs.push([a, b]);",
    replacement: "a <= count",
    reason:
      "the extra outer round a = count runs the inner loop from b = count + 1, which fails `b < count` at once and adds no pair",
  },
  // src/core/failure-log.ts
  {
    file: "src/core/failure-log.ts",
    mutator: "ConditionalExpression",
    line: "return callerMs !== undefined && Number.isFinite(callerMs) && callerMs < serverMs;",
    replacement: "true",
    reason:
      "`callerMs !== undefined` → true: Number.isFinite(undefined) is false, so an absent deadline is refused by the next test either way; the check is there to narrow the type for TypeScript.",
  },
  // src/core/vllm-release.ts
  {
    file: "src/core/vllm-release.ts",
    mutator: "EqualityOperator",
    line: "if (release.major !== floor.major) return release.major > floor.major;",
    replacement: "release.major >= floor.major",
    reason: "Reached only when the majors differ, where > and >= give the same answer.",
  },
  {
    file: "src/core/vllm-release.ts",
    mutator: "EqualityOperator",
    line: "if (release.minor !== floor.minor) return release.minor > floor.minor;",
    replacement: "release.minor >= floor.minor",
    reason: "Reached only when the minors differ, where > and >= give the same answer.",
  },
  // trainer/core/training-example.ts
  {
    file: "trainer/core/training-example.ts",
    mutator: "ConditionalExpression",
    line: 'if (last?.role !== "assistant" || part?.type !== "text" || !marker) {',
    replacement: "false",
    reason:
      'The `part?.type !== "text"` test is there for TypeScript\'s narrowing: `marker` is null whenever the part is not text (it is only computed for a text part), so `!marker` throws in every case this test would.',
  },
  {
    file: "trainer/core/training-example.ts",
    mutator: "ObjectLiteral",
    line: "return pair.imageHashes.map((sha256, i) => ({",
    replacement: "{}",
    reason:
      'the placeholders\' fields never reach the example: renderPairwisePrompt makes an image part of each (from its dataUri) and toTrl replaces every image part by { type: "image" }, so only their number and order count (the paths travel in `images`)',
  },
  {
    file: "trainer/core/training-example.ts",
    mutator: "StringLiteral",
    line: 'mime: "image/png",',
    replacement: '""',
    reason:
      'renderPairwisePrompt never reads a ResolvedImage\'s mime, and toTrl replaces each image part by { type: "image" }: no output carries it.',
  },
  {
    file: "trainer/core/training-example.ts",
    mutator: "StringLiteral",
    line: 'mode: "reasoned",',
    replacement: '""',
    reason:
      'pairwiseSystemPrompt tests `mode === "fast"` and gives the reasoned rule to every other mode, so "" renders the same prompt as "reasoned".',
  },
  // trainer/core/verdict-trace.ts
  {
    file: "trainer/core/verdict-trace.ts",
    mutator: "StringLiteral",
    line: 'const parsed = parseVerdict(completion, "reasoned");',
    replacement: '""',
    reason:
      'parseVerdict tests `mode === "fast"` and parses every other mode as reasoned, so "" reads every completion as "reasoned" does.',
  },
  // trainer/core/judge-filter.ts
  {
    file: "trainer/core/judge-filter.ts",
    mutator: "StringLiteral",
    line: 'const want = chosenSlot("BA");',
    replacement: '""',
    reason:
      'chosenSlot tests only order === "AB": every other string, "" among them, gives "B" as "BA" does',
  },
  {
    file: "trainer/core/judge-filter.ts",
    mutator: "EqualityOperator",
    line: 'const larger: Slot = 2 * countA > examples.length ? "A" : "B";',
    replacement: "2 * countA >= examples.length",
    reason:
      "At 2·countA = length the surplus is 0 and slice(0, 0) drops nothing, whichever side is called larger.",
  },
  {
    file: "trainer/core/judge-filter.ts",
    mutator: "ConditionalExpression",
    line: "(x.rank === y.rank ? x.position - y.position : x.rank < y.rank ? -1 : 1),",
    replacement: "false",
    reason:
      "Equal ranks then compare as 1 instead of by position; V8's Array.prototype.sort (TimSort, deps/v8/third_party/v8/builtins/array-sort.tq) only ever tests the comparator's result for < 0, so a 0 and a positive result order alike, and the sort is stable over candidates already in position order, so duplicates still go earliest first.",
  },
  {
    file: "trainer/core/judge-filter.ts",
    mutator: "ArithmeticOperator",
    line: "(x.rank === y.rank ? x.position - y.position : x.rank < y.rank ? -1 : 1),",
    replacement: "x.position + y.position",
    reason:
      "Reached only for equal ranks, where it gives a positive result instead of the position difference; V8's Array.prototype.sort (TimSort, deps/v8/third_party/v8/builtins/array-sort.tq) only ever tests the comparator's result for < 0, so a 0 and a positive result order alike, and the stable sort keeps the input (position) order.",
  },
  {
    file: "trainer/core/judge-filter.ts",
    mutator: "EqualityOperator",
    line: "(x.rank === y.rank ? x.position - y.position : x.rank < y.rank ? -1 : 1),",
    replacement: "x.rank <= y.rank",
    reason:
      "Reached only when the ranks differ (the === branch takes equal ones), where < and <= agree.",
  },
  // trainer/core/majority-vote.ts
  {
    file: "trainer/core/majority-vote.ts",
    mutator: "EqualityOperator",
    line: ".sort((x, y) => y.count - x.count || (x.answer < y.answer ? -1 : 1));",
    replacement: "x.answer <= y.answer",
    reason:
      "The tally's answers are distinct Map keys, so x.answer === y.answer never reaches the comparator: < and <= agree on every pair it sees.",
  },
  // trainer/core/question-classifier.ts
  {
    file: "trainer/core/question-classifier.ts",
    mutator: "StringLiteral",
    line: 'const long = LONG_CUES.exec(text.replace(JUSTIFY, ""));',
    replacement: '"Stryker was here!"',
    reason:
      "Splicing in a cue-free phrase instead of nothing cannot change the first long-answer cue: a JUSTIFY match is bounded by \\b, so the characters on both sides of the splice are non-word (or the text's edge); every LONG_CUES cue starts and ends with a word character and has no two adjacent non-word characters, so no cue crosses the splice in either text, and 'Stryker was here!' holds no cue itself (checked also by a 200,000-case random property over cue words, justify phrases and punctuation).",
  },
  // trainer/core/question-options.ts
  {
    file: "trainer/core/question-options.ts",
    mutator: "EqualityOperator",
    line: "return lineEnd >= 0 && lineEnd < next ? lineEnd : next;",
    replacement: "lineEnd > 0",
    reason:
      'lineEnd is question.indexOf("\\n", label.end), so it is -1 or at least label.end, and label.end is at least 3 (a label match is at least "A. "); it is never 0, where `>= 0` and `> 0` would differ.',
  },
  {
    file: "trainer/core/question-options.ts",
    mutator: "EqualityOperator",
    line: "return lineEnd >= 0 && lineEnd < next ? lineEnd : next;",
    replacement: "lineEnd <= next",
    reason:
      'lineEnd and next are never equal: lineEnd (when >= 0) indexes a "\\n", while next is question.length (past every index) or a label start, which indexes the label\'s letter A-H or its "(", never a newline.',
  },
  // src/core/verdict-parser.ts
  {
    file: "src/core/verdict-parser.ts",
    mutator: "StringLiteral",
    line: 'const ENCLOSING: Record<string, string> = { \'"\': \'"\', "\'": "\'", "`": "`", "“": "”", "‘": "’" };',
    replacement: '""',
    reason:
      'The value for the opening “ emptied: the direct-wrap test then never fires for “ (no character equals ""), but whenever it fired before (open is “ and the next non-emphasis character after the marker is ”), the last test of isQuoted holds too: the last “ in `before` is that opening one, after any ” before it, and `after` contains ”. So isQuoted returns true for exactly the same lines.',
  },
  {
    file: "src/core/verdict-parser.ts",
    mutator: "OptionalChaining",
    line: "const lines = new Set([verdicts.at(-1)?.lineStart, chosen?.lineStart]);",
    replacement: "verdicts.at(-1).lineStart",
    reason:
      "`verdicts` is never empty here: the line above returns when verdicts.length === 0, so verdicts.at(-1) is always defined and `?.` never short-circuits.",
  },
  {
    file: "src/core/verdict-parser.ts",
    mutator: "StringLiteral",
    line: 'const label = match[1] ?? "";',
    replacement: '"Stryker was here!"',
    reason:
      'Group 1 of MARKER (`([A-Za-z]{1,12})`) is not optional, so every match has match[1] as a string and the `?? ""` fallback is never taken.',
  },
  {
    file: "src/core/verdict-parser.ts",
    mutator: "ArithmeticOperator",
    line: 'const lineStart = text.lastIndexOf("\\n", start - 1) + 1;',
    replacement: "start + 1",
    reason:
      'text[start] and text[start + 1] are the marker\'s `[[` (MARKER starts with \\[\\[), so searching backwards for "\\n" from start + 1 instead of start - 1 finds the same newline (or none).',
  },
  {
    file: "src/core/verdict-parser.ts",
    mutator: "StringLiteral",
    line: 'const open = before.replace(/[*_]+$/, "").at(-1) ?? "";',
    replacement: '"Stryker was here!"',
    reason:
      '`open` is only used as a key of ENCLOSING; neither "" nor "Stryker was here!" is a key (own or inherited from Object.prototype), so an empty `before` fails the direct-wrap test either way.',
  },
  {
    file: "src/core/verdict-parser.ts",
    mutator: "Regex",
    line: 'const close = after.replace(/^[*_]+/, "")[0];',
    replacement: "/[*_]+/",
    reason:
      "Only after[0] is read: if `after` starts with * or _, the first run removed is that leading run in both versions; otherwise the removed run starts at index ≥ 1 and after[0] is unchanged.",
  },
  // src/core/verdict-token.ts
  {
    file: "src/core/verdict-token.ts",
    mutator: "ConditionalExpression",
    line: "if (!origin || !token) return null;",
    replacement: "false",
    reason:
      "Dead check kept to narrow the type: `chosen` puts letterAt inside the text marker's label, so 0 ≤ letter < label.length, and the token-side marker `match` has the same label, so match.index + letter is a character of `listed.chars` and has an origin; origin.piece indexes `tokens` (the pieces of asciiView are the tokens), so `token` is defined too. Neither operand is ever true, so the condition is always false in every variant.",
  },
  {
    file: "src/core/verdict-token.ts",
    mutator: "LogicalOperator",
    line: "if (!origin || !token) return null;",
    replacement: "!origin && !token",
    reason:
      "Dead check kept to narrow the type: `chosen` puts letterAt inside the text marker's label, so 0 ≤ letter < label.length, and the token-side marker `match` has the same label, so match.index + letter is a character of `listed.chars` and has an origin; origin.piece indexes `tokens` (the pieces of asciiView are the tokens), so `token` is defined too. Neither operand is ever true, so the condition is always false in every variant.",
  },
  // src/engine/replica-routing.ts
  {
    file: "src/engine/replica-routing.ts",
    mutator: "EqualityOperator",
    line: "if (loadA !== loadB) return loadB < loadA ? b : a;",
    replacement: "loadB <= loadA",
    reason:
      "reached only when the loads differ, where < and <= agree; NaN loads enter too (NaN !== NaN) and both comparisons are false for them",
  },
  // src/core/image-header.ts
  {
    file: "src/core/image-header.ts",
    mutator: "EqualityOperator",
    line: "while (at + 1 < bytes.length) {",
    replacement: "at + 1 <= bytes.length",
    reason:
      "the extra round at at === length - 1 reads bytes[at + 1] as undefined: either bytes[at] is not 0xff (undefined) or the undefined marker is neither fill, standalone nor SOS and at + 4 > length returns undefined, which is what leaving the loop returns",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "ArithmeticOperator",
    line: "while (at + 1 < bytes.length) {",
    replacement: "at - 1",
    reason:
      "the extra rounds at at === length - 1 and at === length both return undefined (a missing marker byte reads as undefined: not 0xff, or a segment with at + 4 > length), which is what leaving the loop returns",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "EqualityOperator",
    line: "if (marker === 0xda || at + 4 > bytes.length) return undefined;",
    replacement: "at + 4 >= bytes.length",
    reason:
      "at at + 4 === length the original reads a length that ends the buffer: below 2 or a start-of-frame (at + 9 > length) returns undefined, any other moves at to at + 2 + length >= length and leaves the loop, which returns undefined too",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "ConditionalExpression",
    line: "if (length < 2) return undefined;",
    replacement: "false",
    reason:
      "a start-of-frame with length < 2 fails `length < 7`; any other segment moves at by 2 + length onto its own length field (0x00 for length 0, 0x01 for length 1), which is not 0xff, so the next round returns undefined (or the loop ends, also undefined)",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "EqualityOperator",
    line: "while (next < bytes.length) {",
    replacement: "next <= bytes.length",
    reason:
      "the extra round at next === length reads size as undefined, so next becomes NaN, `size === 0` is false and the loop ends: undefined, as before",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "EqualityOperator",
    line: "if (bytes.length < 13) return undefined;",
    replacement: "bytes.length <= 13",
    reason:
      "a 13-byte GIF has no byte after its screen descriptor, so the block walk never starts, no frame is counted and the original returns undefined too",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "LogicalOperator",
    line: "while (at !== undefined && at < bytes.length) {",
    replacement: "at !== undefined || at < bytes.length",
    reason:
      "the extra rounds have at undefined or at >= length, where bytes[at] is undefined: not 0x21 or 0x2c, so the else branch breaks at once, as leaving the loop does",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "ConditionalExpression",
    line: "while (at !== undefined && at < bytes.length) {",
    replacement: "true",
    mutants: 2,
    reason:
      "two mutants, one entry (both report `true` on this line): `at !== undefined` → true: `undefined < bytes.length` is false, so an undefined at still ends the loop (the check narrows the type for TypeScript); `at < bytes.length` → true: at past the end reads bytes[at] as undefined, neither 0x21 nor 0x2c, so the else branch breaks at once",
  },
  {
    file: "src/core/image-header.ts",
    mutator: "EqualityOperator",
    line: "while (at !== undefined && at < bytes.length) {",
    replacement: "at <= bytes.length",
    reason:
      "the extra round at at === length reads bytes[at] as undefined, neither 0x21 nor 0x2c, so the else branch breaks at once",
  },
  // src/core/signals.ts
  {
    file: "src/core/signals.ts",
    mutator: "BooleanLiteral",
    line: "let present = false;",
    replacement: "true",
    reason:
      "with no parent present (none given, or all undefined) the mutant stores the parents and a listener function but adds no listener (`parent?.`), and dispose removes none; nothing observable changes, only an allocation is saved (the link keeps its own copy of the parents, so nothing the caller does to its array later reaches dispose)",
  },
  {
    file: "src/core/signals.ts",
    mutator: "ConditionalExpression",
    line: "if (parent) present = true;",
    replacement: "true",
    reason:
      "present then becomes true when only undefined parents are given; as for `present = false` → true, the stored parents are all undefined, so no listener is added or removed (the link keeps its own copy of the parents, so nothing the caller does to its array later reaches dispose)",
  },
  {
    file: "src/core/signals.ts",
    mutator: "ConditionalExpression",
    line: "if (!present) return;",
    replacement: "false",
    reason:
      "reached with present false only when every parent is absent: storing them and making the listener adds no listener (`parent?.`), so nothing observable changes (the link keeps its own copy of the parents, so nothing the caller does to its array later reaches dispose)",
  },
  {
    file: "src/core/signals.ts",
    mutator: "ConditionalExpression",
    line: 'if (follow) for (const parent of this.#parents) parent?.removeEventListener("abort", follow);',
    replacement: "true",
    reason:
      "#follow is undefined only when #parents is still the empty NO_PARENTS (it is set right after #parents), so the loop has nothing to visit",
  },
  // src/core/base64-bytes.ts
  {
    file: "src/core/base64-bytes.ts",
    mutator: "EqualityOperator",
    line: "for (let index = 0; index < ALPHABET.length; index += 1)",
    replacement: "index <= ALPHABET.length",
    mutants: 2,
    reason:
      "two mutants, one entry (both table loops): the extra round index = 64 writes at key NaN (ALPHABET.charCodeAt(64)) or 64 into a 64-byte Uint8Array, and a typed array ignores writes to a non-integer or out-of-range index, so neither table changes",
  },
  {
    file: "src/core/base64-bytes.ts",
    mutator: "ConditionalExpression",
    line: "const second = left === 2 ? bytes[whole + 1]! : 0;",
    replacement: "true",
    reason:
      "with one byte left, bytes[whole + 1] is past the array's end and reads undefined (a typed array, subarray or not, reads only within its own length); undefined >> 4 is 0 like 0 >> 4, and the third character is chosen by its own `left === 2`",
  },
  // src/core/inflight-bytes.ts
  {
    file: "src/core/inflight-bytes.ts",
    mutator: "EqualityOperator",
    line: "if (bytes <= 0) return true;",
    replacement: "bytes < 0",
    reason:
      "bytes = 0 (or -0) then reaches the budget check: used + 0 > limit is false because admit never lets used exceed limit, so it adds 0 and returns true without calling onRefused, as the early return does",
  },
  // src/core/verdict-probability.ts
  {
    file: "src/core/verdict-probability.ts",
    mutator: "ConditionalExpression",
    line: "if (max === -Infinity) return -Infinity;",
    replacement: "false",
    reason:
      "max is -Infinity only when no alternative passed the filter (masked and NaN logprobs are dropped, so none is -Infinity): the fall-through then computes -Infinity + Math.log(0) = -Infinity, the same answer",
  },
  {
    file: "src/core/verdict-probability.ts",
    mutator: "ConditionalExpression",
    line: 'return upper === "A" || upper === "B" ? upper : null;',
    replacement: "true",
    reason:
      'both callers compare letterOf\'s answer with a Slot (=== "A" or "B"), so returning another string instead of null matches no slot either',
  },
  {
    file: "src/core/verdict-probability.ts",
    mutator: "ConditionalExpression",
    line: "return logprob <= MASKED_LOGPROB ? 0 : Math.exp(Math.min(0, logprob));",
    replacement: "false",
    reason:
      "Math.exp underflows to exactly 0 below about -745, so Math.exp(x) for x <= -9999 (or -Infinity) is 0, the value the masked branch returns",
  },
  {
    file: "src/core/verdict-probability.ts",
    mutator: "EqualityOperator",
    line: "return logprob <= MASKED_LOGPROB ? 0 : Math.exp(Math.min(0, logprob));",
    replacement: "logprob < MASKED_LOGPROB",
    reason: "at exactly -9999 Math.exp(-9999) underflows to 0, the value the masked branch returns",
  },
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "tap",
  tap: {
    testFiles: mutationTestFiles,
    nodeArgs: ["--import=tsx", "-r", "{{hookFile}}"],
  },
  coverageAnalysis: "perTest",
  mutate: mutatedModules,
  // Stryker 9 rewrites the tsconfig in its sandbox with the TypeScript API it finds, and
  // TypeScript 7's package has none (`ts.parseConfigFileTextToJson is not a function`). tsx
  // needs no rewrite (the sandbox keeps the tree's layout), so point Stryker at a file that is
  // not there and it leaves tsconfig.json alone.
  tsconfigFile: "tsconfig.stryker-none.json",
  reporters: ["clear-text", "progress", "json", "html"],
  clearTextReporter: { reportScoreTable: true, reportMutants: false },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  // Each test file takes about a second; an infinite loop is found two seconds past its usual time.
  timeoutMS: 2000,
  tempDirName: ".stryker-tmp",
  incrementalFile: "reports/stryker-incremental.json",
};
