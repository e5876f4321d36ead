import t from "tap";
import {
  EVERY_HEALTHY,
  promotionRule,
  requiredListings,
  rollbackRule,
} from "../../../src/registry/promotion-quorum.ts";

t.test("the quorum is the share of counted replicas, rounded up, at least one", async (t) => {
  t.equal(requiredListings(0.8, 5), 4, "5 replicas at 0.8: 4");
  t.equal(requiredListings(0.8, 4), 4, "one of them down: 4 of the 4 healthy (3.2 rounds up)");
  t.equal(requiredListings(0.9, 50), 45);
  t.equal(requiredListings(0.9, 3), 3, "a small fleet at 0.9 tolerates no refusal");
  t.equal(requiredListings(0.7, 10), 7, "0.7 × 10 is 7.000000000000001 in binary: still 7");
  t.equal(requiredListings(0.3, 10), 3, "0.3 × 10 likewise");
  t.equal(requiredListings(0.01, 5), 1, "at least one replica");
  t.equal(requiredListings(0.5, 0), 1, "nothing counted still needs one");
  t.equal(requiredListings(1, 7), 7);
});

t.test(
  "1 is strict (every replica, down ones included); anything less counts healthy ones",
  async (t) => {
    t.same(promotionRule(1), { share: 1, strict: true });
    t.same(promotionRule(0.99), { share: 0.99, strict: false });
    t.same(EVERY_HEALTHY, { share: 1, strict: false });
    t.same(rollbackRule(1), EVERY_HEALTHY, "rollback at quorum 1: every healthy replica");
    t.same(rollbackRule(0.9), { share: 0.9, strict: false }, "below 1: the promotion's share");
  },
);
