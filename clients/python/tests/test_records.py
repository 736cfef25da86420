"""Records answer r.score and r["score"]; pages are lists with a cursor."""

from __future__ import annotations

import copy
import json
import pickle
import unittest

from switchyard import Page, Record
from switchyard.records import parse_json


class RecordTest(unittest.TestCase):
    def setUp(self) -> None:
        self.r = parse_json('{"memory_id": "mem_1", "score": 0.91, "metadata": {"topic": "ltv", "tags": [{"k": 1}]}, "items": [1, 2]}')

    def test_answers_attributes_and_items_alike_nested_objects_too(self) -> None:
        self.assertEqual(self.r.score, 0.91)
        self.assertEqual(self.r["score"], 0.91)
        self.assertEqual(self.r.metadata.topic, "ltv")
        self.assertEqual(self.r.metadata.tags[0].k, 1)
        self.assertIsInstance(self.r.metadata.tags[0], Record)

    def test_a_missing_field_is_an_attribute_error_that_lists_the_fields(self) -> None:
        with self.assertRaises(AttributeError) as caught:
            self.r.scor
        self.assertIn("'scor'", str(caught.exception))
        self.assertIn("memory_id, metadata, score", str(caught.exception))
        self.assertIsNone(getattr(self.r, "nope", None))
        self.assertFalse(hasattr(self.r, "nope"))
        self.assertTrue(hasattr(self.r, "score"))
        with self.assertRaises(KeyError):
            self.r["nope"]

    def test_dict_methods_keep_their_names_and_the_field_is_an_item(self) -> None:
        self.assertTrue(callable(self.r.items))
        self.assertEqual(self.r["items"], [1, 2])
        self.assertEqual(self.r.get("score"), 0.91)

    def test_is_a_plain_dict_for_everything_else(self) -> None:
        self.assertIsInstance(self.r, dict)
        self.assertEqual(self.r, {"memory_id": "mem_1", "score": 0.91, "metadata": {"topic": "ltv", "tags": [{"k": 1}]}, "items": [1, 2]})
        self.assertEqual(json.loads(json.dumps(self.r)), self.r)
        self.assertEqual(dict(**self.r)["memory_id"], "mem_1")
        for again in [pickle.loads(pickle.dumps(self.r)), copy.copy(self.r), copy.deepcopy(self.r)]:
            self.assertEqual(again, self.r)
            self.assertIsInstance(again, Record)
            self.assertEqual(again.metadata.topic, "ltv")

    def test_attribute_writes_and_deletes_change_the_fields(self) -> None:
        r = Record(a=1)
        r.b = 2
        self.assertEqual(r, {"a": 1, "b": 2})
        del r.a
        self.assertEqual(r, {"b": 2})
        with self.assertRaises(AttributeError):
            del r.zzz

    def test_has_a_readable_repr(self) -> None:
        self.assertEqual(repr(Record(score=0.5, content="x", meta=Record(k=[1]))), "Record(score=0.5, content='x', meta=Record(k=[1]))")
        self.assertEqual(repr(Record({"two words": 1, "class": 2})), "Record({'two words': 1, 'class': 2})")
        r = Record(a=1)
        r.me = r
        self.assertEqual(repr(r), "Record(a=1, me=...)")

    def test_lists_its_fields_for_tab_completion(self) -> None:
        names = dir(self.r)
        for name in ["memory_id", "score", "metadata", "items", "keys"]:
            self.assertIn(name, names)


class PageTest(unittest.TestCase):
    def test_is_a_list_with_a_cursor(self) -> None:
        page = Page([Record(a=1), Record(a=2)], "cur_2")
        self.assertEqual([r.a for r in page], [1, 2])
        self.assertEqual(len(page), 2)
        self.assertEqual(page, [{"a": 1}, {"a": 2}])
        self.assertEqual((page.next_cursor, page.has_more), ("cur_2", True))
        self.assertFalse(Page([]).has_more)
        self.assertEqual(repr(Page([1], None)), "Page([1], next_cursor=None)")
        again = pickle.loads(pickle.dumps(page))
        self.assertEqual((again, again.next_cursor), (page, "cur_2"))


if __name__ == "__main__":
    unittest.main()
