"""JuristClient against a live gateway on simulated replicas (JURIST_URL, started by
test/contracts/clients/python-client.test.ts with keys required and JURIST_API_KEY set)."""

from __future__ import annotations

import os
import unittest

from jurist_client import JuristClient, JuristError, label_text, pairwise_item

from .support import RecordingProxy, live_url, png_bytes


class LiveClientTests(unittest.TestCase):
    def setUp(self) -> None:
        self.client = JuristClient(live_url(), priority="batch")

    def test_pairwise_judges_both_orders_with_an_image(self) -> None:
        verdict = self.client.pairwise(
            "What colour is the square?", ["It is red.", "It is blue."], images=[png_bytes(255, 0, 0)], mode="fast"
        )
        self.assertEqual(verdict["outcome"], "ok")
        self.assertEqual([order["order"] for order in verdict["orders"]], ["AB", "BA"])
        self.assertGreaterEqual(verdict["probability_a"], 0.0)
        self.assertLessEqual(verdict["probability_a"], 1.0)
        self.assertTrue(verdict["simulated"])

    def test_batch_answers_each_item_in_order_with_its_own_error(self) -> None:
        answer = self.client.batch(
            [pairwise_item("What colour is the car?", ["Red.", "Blue."], mode="fast"), pairwise_item("Is it raining?", ["Yes.", ""])]
        )
        first, second = answer["results"]
        self.assertEqual((first["index"], second["index"]), (0, 1))
        self.assertIn("verdict", first)
        self.assertEqual(second["error"]["code"], "INVALID_REQUEST")

    def test_reward_round_robin_and_reference(self) -> None:
        candidates = ["Two cats.", "One dog.", "There are two cats, one asleep."]
        robin = self.client.reward("How many cats are on the sofa?", candidates, mode="fast")
        self.assertEqual(robin["method"], "round_robin")
        self.assertEqual(len(robin["scores"]), 3)
        self.assertAlmostEqual(sum(robin["scores"]), 0.0, places=6)  # centred to mean 0
        against = self.client.reward(
            "How many cats are on the sofa?", candidates, reference="Two cats are on the sofa.", mode="fast"
        )
        self.assertEqual(against["method"], "reference")
        self.assertTrue(all(abs(score) <= 9.22 for score in against["scores"]))

    def test_get_reward_sends_labels_as_text(self) -> None:
        with RecordingProxy(live_url()) as proxy:
            answer = JuristClient(proxy.url).get_reward(
                ["What is 1+2? 3", "What is 2+2? 4"], ["What is 1+2? ", "What is 2+2? "], [3, 4.0]
            )
        self.assertEqual(proxy.requests[0].body["labels"], ["3", "4"])
        self.assertEqual(len(answer["rewards"]), 2)
        self.assertTrue(all(isinstance(r, (int, float)) for r in answer["rewards"]), answer)  # 0 arrives as int

    def test_object_labels_are_sent_as_json_not_python_repr(self) -> None:
        # The gateway takes an object label as its JSON (JSON.stringify, src/http/reward-json.ts);
        # a label the client turned into text must read the same, not `{'answer': ...}`.
        self.assertEqual(label_text({"answer": "Two cats", "count": 2, "ok": True}), '{"answer":"Two cats","count":2,"ok":true}')
        self.assertEqual(label_text(["café", None, 1.5]), '["café",null,1.5]')
        with RecordingProxy(live_url()) as proxy:
            JuristClient(proxy.url).get_reward(["Q? A."], ["Q? "], [{"answer": "A."}])
        self.assertEqual(proxy.requests[0].body["labels"], ['{"answer":"A."}'])

    def test_errors_carry_jurists_code_and_details(self) -> None:
        with self.assertRaises(JuristError) as too_few:
            self.client.reward("Q?", ["only one"])
        self.assertEqual((too_few.exception.code, too_few.exception.status), ("INVALID_REQUEST", 400))
        self.assertEqual(too_few.exception.details[0]["path"], "candidates")
        with self.assertRaises(JuristError) as unknown:
            self.client.pairwise("Q?", ["a", "b"], checkpoint="no-such-checkpoint")
        self.assertEqual((unknown.exception.code, unknown.exception.status), ("NOT_FOUND", 404))

    def test_the_api_key_is_what_lets_the_call_in(self) -> None:
        if not os.environ.get("JURIST_API_KEY"):
            self.skipTest("the gateway under test does not require keys")
        with self.assertRaises(JuristError) as anonymous:
            JuristClient(live_url(), api_key="").reward("Q?", ["a", "b"])
        self.assertEqual((anonymous.exception.code, anonymous.exception.status), ("UNAUTHENTICATED", 401))
        keyed = JuristClient(live_url()).reward("Q?", ["a", "b"], mode="fast")  # JURIST_API_KEY
        self.assertEqual(len(keyed["scores"]), 2)


if __name__ == "__main__":
    unittest.main()
