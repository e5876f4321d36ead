import t from "tap";
import { PRIORITY_CLASSES, parsePriorityClass } from "../../../src/core/priority-class.ts";

t.test("the admission classes, most urgent first", async (t) => {
  t.same(PRIORITY_CLASSES, ["interactive", "batch"]);
});

t.test("a class named in any case, with spaces around it", async (t) => {
  t.equal(parsePriorityClass("interactive"), "interactive");
  t.equal(parsePriorityClass("batch"), "batch");
  t.equal(parsePriorityClass("Batch"), "batch");
  t.equal(parsePriorityClass("INTERACTIVE"), "interactive");
  t.equal(parsePriorityClass("  batch\t"), "batch");
});

t.test("a name that is none of them is null", async (t) => {
  for (const name of ["", "  ", "gate", "shadow", "batches", "inter active", "0"]) {
    t.equal(parsePriorityClass(name), null, JSON.stringify(name));
  }
});
