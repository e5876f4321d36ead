import t from "tap";
import { verdictTrace } from "../../../trainer/core/verdict-trace.ts";

t.test("a trace ends exactly in the verdict marker", async (t) => {
  t.same(verdictTrace("A is more accurate.\n[[A]]"), {
    slot: "A",
    trace: "A is more accurate.\n[[A]]",
  });
  t.same(verdictTrace("B wins. [[B]]\n\nLet me know if you need more."), {
    slot: "B",
    trace: "B wins. [[B]]",
  });
  t.same(verdictTrace("Reasons.\n\n[[ b ]]"), { slot: "B", trace: "Reasons.\n\n[[B]]" });
  t.same(verdictTrace("[[A]]"), { slot: "A", trace: "[[A]]" });
});

t.test("quotes or emphasis opening the marker are dropped, a label's are kept", async (t) => {
  t.equal(
    verdictTrace('Reasons.\nFinal verdict: "[[A]]"')?.trace,
    "Reasons.\nFinal verdict: [[A]]",
  );
  t.equal(verdictTrace("Reasons.\n**[[B]]**")?.trace, "Reasons.\n[[B]]");
  t.equal(
    verdictTrace("Reasons.\n**Final verdict:** [[B]]")?.trace,
    "Reasons.\n**Final verdict:** [[B]]",
  );
});

t.test("the last counting marker decides, as in the gateway", async (t) => {
  const text = 'The format is "[[A]]" or "[[B]]". At first A seemed better, but B is right.\n[[B]]';
  t.equal(verdictTrace(text)?.slot, "B");
});

t.test("unreadable verdicts give null", async (t) => {
  t.equal(verdictTrace("I cannot decide."), null);
  t.equal(verdictTrace("Either [[A]] or [[B]]"), null);
  t.equal(verdictTrace("It is a tie. [[C]]"), null);
});
