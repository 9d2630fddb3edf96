"""Typed DataFrames from payloads: rows, flattening, dtypes, empty answers, attrs, speed."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from envelope_payloads import (
    DOC_GET_JSON,
    DOC_SEARCH_JSON,
    NETWORK_JSON,
    PAIRS,
    TICKETS_JSON,
    payload_of,
)

from ipernity_nb.envelope import parse
from ipernity_nb.frames import classify, expected_columns, locate, to_frame

UTC_NS = "datetime64[ns, UTC]"


def dtypes(df: pd.DataFrame) -> dict[str, str]:
    return df.dtypes.astype(str).to_dict()


def test_doc_search_rows_and_dtypes():
    df = to_frame("doc.search", payload_of(DOC_SEARCH_JSON), params={"text": "car", "auth_token": "1-secret"})
    assert len(df) == 2
    assert dtypes(df) == {
        "doc_id": "Int64",
        "title": "string",
        "license": "Int64",
        "media": "category",
        "owner_user_id": "Int64",
        "dates_posted_at": UTC_NS,
        "dates_created": UTC_NS,
        "thumb_label": "category",
        "thumb_ext": "category",
        "thumb_w": "Int64",
        "thumb_h": "Int64",
        "thumb_url": "string",
    }
    assert df["doc_id"].tolist() == [394926, 394927]
    assert df["title"].tolist() == ["A nice car", "1984"]  # text stays text even when it looks numeric
    assert df["dates_posted_at"][0] == pd.Timestamp(1203605781, unit="s", tz="UTC")
    assert pd.isna(df["dates_posted_at"][1])  # 0 = never -> NaT
    assert df["dates_created"][0] == pd.Timestamp("2008-01-03 11:22:00", tz="UTC")
    assert pd.isna(df["dates_created"][1])  # 0000-00-00 00:00:00 -> NaT
    assert df["license"].tolist() == [3, 0]  # a numeric code: sorts and groups as a number
    assert df.attrs == {
        "page": 1,
        "pages": 2563,
        "per_page": 2,
        "total": 5125,
        "method": "doc.search",
        "params": {"text": "car", "auth_token": "***"},
    }


def test_bare_json_numbers_give_the_same_frame():
    strings = to_frame("doc.search", payload_of(DOC_SEARCH_JSON))
    numbers = to_frame("doc.search", payload_of(_numberize(DOC_SEARCH_JSON)))
    pd.testing.assert_frame_equal(strings, numbers)
    assert numbers.attrs == strings.attrs


def _numberize(value):
    """Every digit-only string becomes a JSON number (the documentation samples' style)."""
    if isinstance(value, dict):
        return {k: _numberize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numberize(v) for v in value]
    if isinstance(value, str) and value.isdigit() and value != "1984":
        return int(value)
    return value


def test_numberize_really_changes_types():
    assert _numberize(DOC_SEARCH_JSON)["docs"]["doc"][0]["doc_id"] == 394926


@pytest.mark.parametrize("method", sorted(PAIRS))
def test_json_and_xml_give_equal_frames(method):
    json_body, xml_body = PAIRS[method]
    a = to_frame(method, parse(json_body, "json", method))
    b = to_frame(method, parse(xml_body, "xml", method))
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs
    assert len(a) >= 1


def test_single_object_is_one_flattened_row():
    df = to_frame("doc.get", payload_of(DOC_GET_JSON))
    assert len(df) == 1
    t = dtypes(df)
    assert t["doc_id"] == "Int64" and t["owner_user_id"] == "Int64" and t["owner_username"] == "string"
    assert t["visibility_ispublic"] == "boolean" and t["can_fave"] == "boolean"
    assert t["visibility_share"] == "Int64" and t["media"] == "category"
    assert t["count_visits"] == "Int64" and t["count_last_visit"] == UTC_NS
    assert t["dates_modified_at"] == UTC_NS and pd.isna(df["dates_modified_at"][0])
    assert t["geo_lat"] == "Float64" and df["geo_lat"][0] == 48.85
    assert t["description"] == "string" and df["description"][0] == "Été & <b>co</b>"
    assert t["tags_total"] == "Int64"
    # lists inside a row stay Python lists in one object column named by their path
    assert t["thumbs_thumb"] == "object" and df["thumbs_thumb"][0][0]["label"] == "75x"
    assert df["notes_note"][0] == [{"note_id": "4", "x": "1", "y": "2", "content": "look here"}]
    assert df["visibility_ispublic"][0] is True or bool(df["visibility_ispublic"][0]) is True
    assert bool(df["can_download"][0]) is False


def test_nested_container_lists_and_derived_pages():
    payload = payload_of(json.loads(PAIRS["album.docs.getList"][0]))
    loc = locate("album.docs.getList", payload)
    assert loc.path == ("album", "docs", "doc") and loc.info["pages"] == 1  # derived: no pages attribute
    df = to_frame("album.docs.getList", payload)
    # rows carry their parent's id (album.album_id of the wrapper)
    assert dtypes(df) == {
        "album_id": "Int64",
        "doc_id": "Int64",
        "title": "string",
        "media": "category",
        "safety": "Int64",
    }
    assert df.attrs["pages"] == 1 and df.attrs["total"] == 1


def test_network_users_and_tickets():
    df = to_frame("network.getList", payload_of(NETWORK_JSON))
    t = dtypes(df)
    assert t["relation_isfriend"] == "boolean" and t["relation_revcontact"] == "boolean"
    assert t["count_docs"] == "Int64" and t["user_id"] == "Int64"
    tk = to_frame("upload.checkTickets", payload_of(TICKETS_JSON))
    assert dtypes(tk) == {"id": "Int64", "done": "boolean", "invalid": "boolean", "doc_id": "Int64", "eta": "Int64"}
    assert tk["doc_id"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("method", "payload", "some_columns"),
    [
        ("doc.search", {"docs": {"page": "1", "pages": "0", "per_page": "20", "total": "0"}}, ["doc_id", "thumb_url"]),
        ("album.docs.getList", {"album": {"album_id": "1", "docs": {"total": "0"}}}, ["doc_id", "thumb_w"]),
        ("network.getList", {}, ["user_id", "relation_isfriend", "count_docs"]),
        ("doc.comments.getList", {"comments": {"total": "0"}}, ["comment_id", "posted_at", "content"]),
    ],
)
def test_empty_answer_keeps_expected_columns_with_types(method, payload, some_columns):
    df = to_frame(method, payload)
    assert len(df) == 0
    for col in some_columns:
        assert col in df.columns
    t = dtypes(df)
    assert t[some_columns[0]] == "Int64"
    if "posted_at" in t:
        assert t["posted_at"] == UTC_NS
    if "relation_isfriend" in t:
        assert t["relation_isfriend"] == "boolean"


def test_expected_columns_come_from_catalog_fields():
    cols = expected_columns("doc.search")
    assert cols[:3] == ("doc_id", "license", "title") and "owner.user_id" in cols
    assert "thumbs" not in " ".join(expected_columns("doc.get"))  # lists are not expanded


def test_several_roots():
    perms = to_frame(
        "doc.getPerms",
        {"visibility": {"share": "4", "ispublic": "1"}, "permissions": {"comment": "5"}, "can": {"fave": "1"}},
    )
    assert len(perms) == 1
    assert dtypes(perms) == {
        "visibility_share": "Int64",
        "visibility_ispublic": "boolean",
        "permissions_comment": "Int64",
        "can_fave": "boolean",
    }
    medias = to_frame(
        "doc.getMedias",
        {
            "thumbs": {"thumb": [{"label": "75x", "w": "75", "h": "75", "url": "u1"}]},
            "medias": {"media": [{"label": "mp4", "w": "480", "h": "360", "url": "u2"}]},
            "original": {"ext": "jpg", "w": "1024", "h": "900", "bytes": "585654", "url": "u3"},
        },
    )
    assert medias["section"].tolist() == ["thumbs", "medias", "original"]
    assert str(medias["section"].dtype) == "category" and str(medias["bytes"].dtype) == "Int64"


def test_text_only_answer_and_auth():
    assert to_frame("test.hello", {"hello": "hello world!"})["hello"].tolist() == ["hello world!"]
    auth = to_frame("auth.getToken", payload_of(json.loads(PAIRS["auth.getToken"][0])))
    assert str(auth["permissions_doc"].dtype) == "category" and str(auth["user_user_id"].dtype) == "Int64"


def test_values_that_do_not_fit_their_rule_are_kept():
    df = to_frame(
        "album.docs.add",
        {"album": {"album_id": "1", "doc": [{"doc_id": "a7", "added": "2", "error": "1"}, {"doc_id": "8"}]}},
    )
    assert str(df["doc_id"].dtype) == "string" and df["doc_id"].tolist() == ["a7", "8"]  # not silently NaN
    assert str(df["added"].dtype) == "Int64" and df["added"][0] == 2  # a "flag" holding 2 stays a number
    bad_time = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "1", "dates": {"created": "someday"}}]}})
    assert bad_time["dates_created"].tolist() == ["someday"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("doc_id", "id"),
        ("owner.user_id", "id"),
        ("count.visits", "int"),
        ("total", "int"),
        ("dates.posted_at", "time"),
        ("count.last_visit", "time"),
        ("dates.member_since", "time"),
        ("dates.created", "time"),
        ("is_pro", "bool"),
        ("visibility.isfamily", "bool"),
        ("relation.revfriend", "bool"),
        ("can.comment", "bool"),
        ("media", "category"),
        ("license", "code"),
        ("visibility.share", "code"),
        ("permissions.tagme", "code"),
        ("lat", "float"),
        ("title", "string"),
        ("username", "string"),
    ],
)
def test_classify_rules(path, kind):
    assert classify(path) == kind


def test_empty_wrapper_in_a_multi_root_answer_gives_no_rows():
    payload = {
        "prev": {"count": "0"},
        "doc": {"doc_id": "5", "index": "1"},
        "next": {"count": "1", "doc": [{"doc_id": "6"}]},
    }
    df = to_frame("doc.getContext", payload)
    assert df["section"].tolist() == ["doc", "next"] and df["doc_id"].tolist() == [5, 6]


def test_text_only_list_items_become_a_column():
    df = to_frame("doc.tags.getList", {"tags": {"tag": ["cat", "dog"]}})
    assert df["tag"].tolist() == ["cat", "dog"] and str(df["tag"].dtype) == "string"


def test_pages_flatten_as_json_normalize_whatever_their_shapes():
    """Columns (column by column for alike pages, value by value otherwise) names, orders and
    fills columns as pandas.json_normalize does: alike pages, missing fields, extra fields, empty
    and differing blocks, blocks within blocks, lists, a field that is a block in one record."""
    import random

    from ipernity_nb.frames import Columns, normalize_records

    rng = random.Random(7)

    def record(i: int) -> dict:
        rec: dict = {"doc_id": str(i)}
        if rng.random() < 0.8:
            rec["title"] = rng.choice(["a", "", "b"])
        rec["owner"] = {"user_id": str(i % 5), **({"alias": "x"} if rng.random() < 0.3 else {})}
        if rng.random() < 0.5:
            rec["dates"] = {} if rng.random() < 0.2 else {"posted_at": str(i), "created": "2020-01-01 00:00:00"}
        if rng.random() < 0.1:
            rec["geo"] = {"lat": "1.5", "loc": {"id": "3"}}
        if rng.random() < 0.1:
            rec["thumbs"] = {"thumb": [{"w": "1"}]}
        if rng.random() < 0.05:
            rec["title"] = {"content": "block"}
        return rec

    alike = [{"doc_id": str(i), "owner": {"user_id": "1", "alias": ""}, "title": "t"} for i in range(50)]
    for records in ([record(i) for i in range(200)], alike, alike[:1], [{"a": {}}, {"a": {}}]):
        pages = [records[i : i + 37] for i in range(0, len(records), 37)]
        cols = Columns()
        for page in pages:
            cols.add(page)
        want = pd.json_normalize(records, sep=".")
        got = cols.frame()
        assert got.columns.tolist() == want.columns.tolist()
        pd.testing.assert_frame_equal(got, normalize_records(records))
        pd.testing.assert_frame_equal(
            got.astype(object), want.astype(object), check_dtype=False, check_column_type=False
        )
