"""Frames an analyst can trust: numbers as numbers, <NA> for "none", one vocabulary, parents, concat.

Typed answers come from the shared payload fixtures and from the sandbox over loopback; the
small-frame and pyarrow fast paths are checked against pandas' converters on every one of them.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from envelope_payloads import PAIRS, payload_of

from ipernity_nb import (
    IncompleteResultWarning,
    ParameterError,
    arrowtypes,
    concat_frames,
    connect,
    label,
    to_frame,
    unnest,
)
from ipernity_nb import dtypes as dtypes_module


@pytest.fixture(scope="module")
def alice(sandbox):
    return connect(sandbox=sandbox, user="alice", perms={"doc": "read", "network": "read"}, progress=False)


@pytest.fixture(scope="module")
def answers(alice) -> dict[str, tuple[str, dict]]:
    """Real answers of the sandbox, one per shape an analyst meets."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteResultWarning)
        doc_id = int(alice.frame("doc.getList", per_page=1).doc_id[0])
    asks = {
        "search": ("doc.search", {"text": "sunset", "extra": "owner,dates,count,license,medias,geo,original"}),
        "doc": ("doc.get", {"doc_id": doc_id, "extra": "tags,notes,geo,md5"}),
        "tags": ("doc.tags.getList", {"doc_id": doc_id}),
        "comments": ("doc.comments.getList", {"doc_id": doc_id, "extra": "owner"}),
        "albums": ("album.getList", {}),
        "album_docs": ("album.docs.getList", {"album_id": 712276}),
        "user": ("user.get", {"user_id": 284001}),
        "network": ("network.getList", {"extra": "realname,count,location"}),
        "perms": ("doc.getPerms", {"doc_id": doc_id}),
        "user_tags": ("tags.user.getList", {}),
        "groups": ("group.getList", {}),
    }
    return {k: (m, alice.call(m, **p)) for k, (m, p) in asks.items()}


def test_small_and_vectorised_typing_agree_on_every_answer(answers, monkeypatch):
    payloads = [(m, p) for m, p in answers.values()]
    payloads += [(m, payload_of(__import__("json").loads(j))) for m, (j, _) in PAIRS.items()]
    fast = [to_frame(m, p) for m, p in payloads]
    monkeypatch.setattr(dtypes_module, "SMALL", 0)
    arrow = [to_frame(m, p) for m, p in payloads]  # the harvest path: pyarrow compute, pandas for the rest
    monkeypatch.setattr(arrowtypes, "convert", lambda kind, values, prepared=None: None)
    slow = [to_frame(m, p) for m, p in payloads]  # pandas alone
    for (m, _), a, b, c in zip(payloads, fast, arrow, slow, strict=True):
        pd.testing.assert_frame_equal(a, c, obj=f"{m} small")
        pd.testing.assert_frame_equal(b, c, obj=f"{m} arrow")


def test_numeric_codes_sort_and_group_as_numbers_with_labels(answers):
    df = to_frame(*answers["search"])
    assert str(df.license.dtype) == "Int64" and str(df.safety.dtype) == "Int64"
    codes = sorted(df.license.dropna().unique().tolist())
    assert df.groupby("license").size().index.tolist() == codes  # 9 before 11, not "11" before "9"
    words = label(df.license)
    assert words.cat.ordered and words.name == "license"
    seen = {c: w for c, w in zip(df.license, words, strict=True) if c in (9, 255)}
    assert seen and {9: "CC BY-SA", 255: "Copyleft"}.items() >= seen.items()
    perms = to_frame(*answers["perms"])
    assert str(perms.visibility_share.dtype) == "Int64" and str(perms.permissions_comment.dtype) == "Int64"
    assert label(perms.permissions_comment).tolist() == ["everyone"]
    assert label(perms.visibility_share).tolist() == ["public"]
    with pytest.raises(ParameterError, match="not a coded column"):
        label(df.title)


def test_text_permission_levels_stay_categories():
    auth = to_frame("auth.getToken", payload_of(__import__("json").loads(PAIRS["auth.getToken"][0])))
    assert str(auth.permissions_doc.dtype) == "category"


def test_numeric_strings_are_numbers(answers):
    search = to_frame(*answers["search"])
    assert str(search.geo_accuracy.dtype) == "Int64"
    albums = to_frame(*answers["albums"])
    for col in ("visibility_family", "visibility_friend", "visibility_ff", "visibility_public", "count_public"):
        assert str(albums[col].dtype) == "Int64", col


def test_none_sentinels_become_na(answers):
    user = to_frame(*answers["user"])
    assert pd.isna(user.alias[0])  # "" on the wire
    comments = to_frame(*answers["comments"])
    assert comments.parent_id.isna().all() and str(comments.parent_id.dtype) == "Int64"  # 0 = no parent
    search = to_frame(*answers["search"])
    assert not (search.owner_alias == "").any()


def test_one_tag_vocabulary(answers):
    listed = to_frame(*answers["tags"])
    nested = unnest(to_frame(*answers["doc"]), "tags_tag")
    mine = to_frame(*answers["user_tags"])
    for df in (listed, nested, mine):
        assert {"tag_id", "tag"} <= set(df.columns) and "id" not in df.columns and "keyword" not in df.columns
        assert str(df.tag_id.dtype) == "Int64" and str(df.tag.dtype) == "string"
    doc_id = int(answers["doc"][1]["doc"]["doc_id"])
    assert sorted(listed.tag_id) == sorted(nested.tag_id) and (nested.doc_id == doc_id).all()


def test_comments_name_the_commenter_and_the_doc(answers):
    method, payload = answers["comments"]
    df = to_frame(method, payload)
    assert {"commenter_user_id", "commenter_username", "commenter_realname", "doc_id"} <= set(df.columns)
    assert not any(c.startswith("owner_") for c in df.columns) and "user_id" not in df.columns
    raw = payload["comments"]["comment"]
    assert df.commenter_user_id.tolist() == [int(c["user_id"]) for c in raw]
    assert (df.doc_id == int(payload["comments"]["doc_id"])).all()


def test_child_rows_carry_their_parent_ids(answers):
    album_docs = to_frame(*answers["album_docs"])
    assert album_docs.columns[0] == "album_id" and (album_docs.album_id == 712276).all()
    network = to_frame(*answers["network"])
    assert (network.parent_user_id == 284001).all() and network.user_id.ne(284001).all()


def test_unnest_gives_typed_child_frames_for_any_list(answers):
    doc = to_frame(*answers["doc"])
    thumbs = unnest(doc, "thumbs_thumb")
    assert thumbs.columns[0] == "doc_id" and str(thumbs.w.dtype) == "Int64" and len(thumbs) >= 2
    assert thumbs.attrs["parent"] == "doc_id" and thumbs.attrs["nested"] == "thumbs_thumb"
    with pytest.raises(ParameterError, match=r"nested list columns here: .*thumbs_thumb"):
        unnest(doc, "tags")


def test_concat_keeps_categories_codes_and_attrs(answers):
    a = to_frame("doc.search", {"docs": {"total": "1", "doc": [{"doc_id": "1", "media": "photo", "license": "9"}]}})
    b = to_frame(*answers["search"])
    both = concat_frames([a, b])
    assert str(both.media.dtype) == "category" and set(both.media.cat.categories) >= {"photo"}
    assert str(both.license.dtype) == "Int64" and str(both.owner_user_id.dtype) == "Int64"
    assert str(both.dates_posted_at.dtype) == "datetime64[ns, UTC]"  # missing in `a`: typed NaT, not object
    assert both.attrs["method"] == "doc.search" and both.attrs["total"] == len(both) and both.attrs["pages"] is None
    plain = pd.concat([a, b], ignore_index=True)
    assert str(plain.media.dtype) != "category" or set(a.media.cat.categories) == set(b.media.cat.categories)


def test_concat_keeps_an_incomplete_reason():
    a = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "1"}]}})
    a.attrs["incomplete"] = "1 of 5 rows: pages='all' fetches all"
    b = to_frame("doc.search", {"docs": {"doc": [{"doc_id": "2"}]}})
    assert concat_frames([a, b]).attrs["incomplete"] == "1 of 5 rows: pages='all' fetches all"
    assert "incomplete" not in concat_frames([b, b]).attrs


@pytest.mark.parametrize(
    ("path", "kind"),
    [("geo.accuracy", "int"), ("visibility.family", "int"), ("visibility.public", "int"), ("quota.moderated", "bool"),
     ("parent_id", "id"), ("license", "code"), ("permissions.doc", "code"), ("dir", "code"), ("media", "category")],
)  # fmt: skip
def test_name_rules_for_codes_counts_and_flags(path, kind):
    from ipernity_nb.frames import classify

    assert classify(path) == kind
