import t from "tap";
import { REWRITE_MARKERS as m } from "../../../src/core/generator-prompts.ts";
import { parseRewriteReport } from "../../../trainer/core/rewrite-output.ts";

const rewrite = (text: string, list?: string[]) =>
  [m.startRewrite, text, m.endRewrite, ...(list ? [m.errors, ...list] : [])].join("\n");
const listed = (...lines: string[]) => parseRewriteReport(rewrite("Five cups.", lines));

t.test("the rewrite is the trimmed text between the markers", async (t) => {
  t.same(
    parseRewriteReport(`Sure!\n${rewrite("  Five cups.  ", ['- count: "three" -> "five"'])}`),
    {
      text: "Five cups.",
      hasErrorList: true,
      errors: [{ kind: "count", from: "three", to: "five" }],
      unknownKinds: [],
      malformed: [],
    },
  );
  t.equal(parseRewriteReport(`${m.startRewrite}\n \n${m.endRewrite}`), null, "empty rewrite");
  t.equal(parseRewriteReport(`Five cups.\n${m.endRewrite}`), null, "no start marker");
  t.equal(parseRewriteReport(`${m.startRewrite}\nFive cups.`), null, "no end marker");
});

t.test("an end marker before the start marker is not the rewrite's end", async (t) => {
  const output = `${m.endRewrite}${m.startRewrite}\nFive cups.\n${m.endRewrite}`;
  t.equal(parseRewriteReport(output)?.text, "Five cups.");
});

t.test("only an [Injected Errors] marker after the rewrite opens the list", async (t) => {
  const noList = parseRewriteReport(rewrite('Five cups.\n- count: "three" -> "five"'));
  t.same(noList && [noList.hasErrorList, noList.errors, noList.malformed], [false, [], []]);
  const inText = parseRewriteReport(rewrite(`Five cups. ${m.errors}`));
  t.same(inText && [inText.hasErrorList, inText.errors], [false, []]);
  const between = [m.startRewrite, "Five cups.", m.endRewrite, '- text:"a"->"b"', m.errors].join(
    "\n",
  );
  t.same(parseRewriteReport(between)?.errors, [], "a bullet before the list is not in it");
});

t.test("error lines: bullets, spacing and escaped quotes", async (t) => {
  t.same(
    listed(
      '  * spatial: "left" -> "right"',
      '-  count :"three"->"five"',
      '- text: "say \\"hi\\"" -> "say \\"bye\\""',
    )?.errors,
    [
      { kind: "spatial", from: "left", to: "right" },
      { kind: "count", from: "three", to: "five" },
      { kind: "text", from: 'say "hi"', to: 'say "bye"' },
    ],
  );
  const ignored = listed("Note - count: three", '-count: "a" -> "b"', "", "Thanks!");
  t.same(ignored && [ignored.errors, ignored.malformed], [[], []], "lines that are not bullets");
});

t.test("malformed error lines are kept, not dropped", async (t) => {
  const lines = [
    '- count: "three" -> "five" (roughly)',
    '- note - count: "three" -> "five"',
    '- count: "\\q" -> "five"',
    '- count: "three" -> "\\q"',
    "- count: three -> five",
    '- count "three" -> "five"',
  ];
  const report = listed(...lines);
  t.same(report && [report.errors, report.malformed], [[], lines]);
});

t.test("without a start marker there is no rewrite, however long the output", async (t) => {
  t.equal(parseRewriteReport(`${"Five cups on a table. ".repeat(4)}\n${m.endRewrite}`), null);
});

t.test("error-like lines inside the rewrite are not errors", async (t) => {
  const report = parseRewriteReport(
    rewrite('Five cups.\n- count: "two" -> "four"', ['- count: "three" -> "five"']),
  );
  t.same(report?.errors, [{ kind: "count", from: "three", to: "five" }]);
});

t.test("text after the closing quote makes a line malformed", async (t) => {
  const line = '- count: "three" -> "five".';
  t.same(listed(line)?.malformed, [line]);
});
