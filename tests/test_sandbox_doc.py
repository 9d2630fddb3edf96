"""doc.* reads in the sandbox, over a real socket, against an exact world (tests/docworld.py).

Covers doc.get, getList, search, getMedias, getContainers, getContext, getExif, getFaves,
getVisitors, getPerms, checkMD5, comments.get/getList, tags.getList: shapes in JSON and
XML, visibility per caller (owner, family, friend, contact, stranger, anonymous),
filters, pagination without overlap or gaps, the 3000 cap and error codes.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from docworld import (
    AUD,
    BULK0,
    FAM,
    FF,
    FRI,
    LYON,
    MD5_PUB,
    N_BULK,
    PARIS,
    PRIV,
    PUB,
    SAMDOC,
    T0,
    USERS,
    VID,
    World,
    ids,
)

from ipernity_nb.envelope import parse
from ipernity_nb.sandbox import Sandbox

OLGA_ALL = [PUB, FAM, FRI, FF, PRIV, VID, AUD]  # newest first


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        yield World.build(sb)


# --- doc.getList -------------------------------------------------------------------------------


def test_getlist_defaults_to_caller_newest_first(w):
    out = w.ok("doc.getList", as_="olga")
    assert ids(out) == OLGA_ALL
    assert {k: out["docs"][k] for k in ("total", "page", "per_page", "pages")} == {
        "total": "7",
        "page": "1",
        "per_page": "20",
        "pages": "1",
    }
    rec = out["docs"]["doc"][0]
    assert set(rec) >= {"doc_id", "title", "media", "license", "safety", "owner", "thumb"}
    assert rec["owner"] == {"user_id": str(USERS["olga"]), "username": "olga"}
    assert rec["thumb"]["label"] == "75x" and rec["thumb"]["w"] == "75" and rec["thumb"]["url"].startswith(w.sb.url)
    assert all(isinstance(v, str) for v in rec if not isinstance(rec[v], dict))


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        (None, [PUB, VID, AUD]),
        ("sam", [PUB, VID, AUD]),
        ("cora", [PUB, VID, AUD]),
        ("fanny", [PUB, FAM, FF, VID, AUD]),
        ("fred", [PUB, FRI, FF, VID, AUD]),
        ("olga", OLGA_ALL),
    ],
)
def test_getlist_visibility_per_relation(w, caller, expected):
    assert ids(w.ok("doc.getList", as_=caller, user_id=USERS["olga"])) == expected


def test_getlist_user_errors(w):
    assert w.err("doc.getList") == (1, "User not found")
    assert w.err("doc.getList", user_id=USERS["zed"]) == (1, "User not found")
    assert w.err("doc.getList", user_id="nonsense") == (1, "User not found")


def test_getlist_filters(w):
    olga = USERS["olga"]
    assert ids(w.ok("doc.getList", as_="olga", share=0)) == [PRIV]
    assert ids(w.ok("doc.getList", as_="sam", user_id=olga, share=0)) == [PUB, VID, AUD]  # not the caller: ignored
    assert ids(w.ok("doc.getList", user_id=olga, media="video")) == [VID]
    assert ids(w.ok("doc.getList", user_id=olga, media="photo,audio")) == [PUB, AUD]
    assert ids(w.ok("doc.getList", user_id=olga, safesurf=1)) == [PUB]
    assert ids(w.ok("doc.getList", user_id=olga, safesurf=2)) == [PUB, VID]


def test_getlist_extra_blocks(w):
    out = w.ok("doc.getList", as_="olga", extra="dates,count,geo,medias,original,md5", thumbsize="240")
    recs = {int(d["doc_id"]): d for d in out["docs"]["doc"]}
    pub = recs[PUB]
    assert pub["md5"] == MD5_PUB
    assert pub["dates"]["posted_at"] == str(T0 + 600) and pub["dates"]["created"] == "2020-09-10 19:30:00"
    assert pub["count"] == {
        "visits": "50",
        "faves": "2",
        "comments": "3",
        "notes": "1",
        "tags": "4",
        "albums": "1",
        "groups": "2",
        "last_visit": str(T0 + 3100),
    }
    assert float(pub["geo"]["lat"]) == PARIS[0]
    assert "geo" not in recs[FAM]
    assert pub["thumb"] == {**pub["thumb"], "label": "240", "w": "240", "h": "180"}
    assert recs[VID]["medias"]["media"][0]["label"] == "mp4"
    assert "medias" not in recs[PUB]
    assert recs[PRIV]["original"]["w"] == "4000"  # the owner always gets the original


def test_getlist_pagination_no_overlap(w):
    seen: list[int] = []
    for page in (1, 2, 3):
        out = w.ok("doc.getList", user_id=USERS["bulk"], per_page=100, page=page)
        assert out["docs"]["total"] == str(N_BULK) and out["docs"]["pages"] == "3"
        seen += ids(out)
    assert len(seen) == N_BULK == len(set(seen))
    assert "doc" not in w.ok("doc.getList", user_id=USERS["bulk"], per_page=100, page=4)["docs"]


def test_getlist_bad_paging_values_never_crash(w):
    out = w.ok("doc.getList", user_id=USERS["bulk"], per_page="5000", page="abc")
    assert out["docs"]["per_page"] == "100" and out["docs"]["page"] == "1"
    out = w.ok("doc.getList", user_id=USERS["bulk"], per_page="-3")
    assert out["docs"]["per_page"] == "1" and len(ids(out)) == 1


# --- doc.get -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "allowed"),
    [
        (PUB, {None, "olga", "fanny", "fred", "cora", "sam"}),
        (FAM, {"olga", "fanny"}),
        (FRI, {"olga", "fred"}),
        (FF, {"olga", "fanny", "fred"}),
        (PRIV, {"olga"}),
    ],
)
def test_get_visibility(w, doc, allowed):
    for caller in (None, "olga", "fanny", "fred", "cora", "sam"):
        out = w.call("doc.get", as_=caller, doc_id=doc)
        if caller in allowed:
            assert out["api"]["status"] == "ok" and out["doc"]["doc_id"] == str(doc), caller
        else:
            assert out["api"] == {"status": "error", "code": "1", "message": "Document not found"} or (
                str(out["api"]["code"]) == "1" and out["api"]["message"] == "Document not found"
            ), caller


def test_get_unknown_and_malformed_ids(w):
    for bad in (9_999_999, "abc", "", -1):
        assert w.err("doc.get", doc_id=bad) == (1, "Document not found")


def test_get_full_shape_anonymous(w):
    d = w.ok("doc.get", doc_id=PUB)["doc"]
    assert d["title"] == "Sunset over Paris" and d["media"] == "photo" and d["license"] == "3"
    assert d["description"] == "A red sky above the Seine"
    assert d["link"].endswith(f"/doc/{USERS['olga']}/{PUB}")
    assert d["owner"]["username"] == "olga" and d["owner"]["realname"] == "Olga"
    assert d["visibility"] == {"ispublic": "1", "isfriend": "0", "isfamily": "0", "share": "4"}
    assert d["permissions"] == {"comment": "5", "tag": "4", "tagme": "4"}
    assert d["count"]["faves"] == "2" and d["count"]["comments"] == "3" and d["count"]["visits"] == "50"
    assert d["can"]["fave"] == "0" and d["can"]["comment"] == "0"  # anonymous
    assert d["can"]["download"] == "1"  # CC licence
    assert d["you"] == {"isfave": "0", "visits": "0", "last_visit": "0"}
    labels = [t["label"] for t in d["thumbs"]["thumb"]]
    assert labels[0] == "75x" and "1024" in labels and len(labels) == 11
    assert d["original"]["w"] == "4000" and d["original"]["url"].startswith(w.sb.url)
    assert "tags" not in d and "geo" not in d and "md5" not in d


def test_get_caller_blocks_and_extras(w):
    d = w.ok("doc.get", as_="fred", doc_id=PUB, extra="tags,notes,geo,md5")["doc"]
    assert d["you"] == {"isfave": "1", "visits": "3", "last_visit": str(T0 + 3000)}
    assert d["can"]["fave"] == "1" and d["can"]["comment"] == "1" and d["can"]["tag"] == "1"
    assert d["md5"] == MD5_PUB
    assert (float(d["geo"]["lat"]), float(d["geo"]["lng"])) == PARIS
    assert (d["geo"]["location"], d["geo"]["loc_id"]) == ("Paris, FR", "1")  # the nearest demo town
    tags = d["tags"]["tag"]
    assert d["tags"]["total"] == "4"
    assert [t["keyword"] for t in tags if t["type"] == "keyword"] == ["paris", "sunset", "seine"]
    member = next(t for t in tags if t["type"] == "member")
    assert member["member_id"] == str(USERS["fred"]) and member["title"] == "fred"
    note = d["notes"]["note"][0]
    assert note["content"] == "the Eiffel tower" and note["username"] == "fred" and note["x"] == "10"
    assert w.ok("doc.get", as_="olga", doc_id=PUB)["doc"]["can"]["fave"] == "0"  # own doc
    assert w.ok("doc.get", as_="sam", doc_id=PUB)["doc"]["can"]["tag"] == "0"  # perm_tag 4: contacts only
    assert w.ok("doc.get", as_="cora", doc_id=PUB)["doc"]["can"]["tag"] == "1"


def test_get_original_only_for_owner_or_free_licence(w):
    assert "original" not in w.ok("doc.get", as_="fanny", doc_id=FAM)["doc"]  # licence 0
    assert "original" in w.ok("doc.get", as_="olga", doc_id=FAM)["doc"]


def test_get_xml(w):
    root = w.xml("doc.get", doc_id=PUB, extra="notes")
    assert root.get("status") == "ok"
    doc = root.find("doc")
    assert doc is not None and doc.get("doc_id") == str(PUB) and doc.get("title") == "Sunset over Paris"
    assert doc.find("description").text == "A red sky above the Seine"
    assert len(doc.findall("thumbs/thumb")) == 11
    assert doc.find("notes/note").text == "the Eiffel tower"
    err = w.xml("doc.get", doc_id=FAM)
    assert err.get("status") == "error" and err.get("code") == "1" and err.get("message") == "Document not found"


def test_video_and_audio_medias(w):
    v = w.ok("doc.getMedias", doc_id=VID)
    assert v["medias"]["media"][0]["ext"] == "mp4" and v["medias"]["media"][0]["lenght"] == "90"
    assert all(t["secret"] for t in v["thumbs"]["thumb"])
    assert v["original"]["length"] == "90"  # licence 1: downloadable
    a = w.ok("doc.getMedias", as_="olga", doc_id=AUD)
    assert a["medias"]["media"][0]["label"] == "mp3"
    p = w.ok("doc.getMedias", doc_id=SAMDOC)
    assert "medias" not in p and "original" not in p  # photo, licence 0, not the owner
    assert w.err("doc.getMedias", doc_id=PRIV) == (1, "Document not found")


# --- doc.search --------------------------------------------------------------------------------


def test_search_text_relevance_and_visibility(w):
    assert ids(w.ok("doc.search", text="paris")) == [PUB, SAMDOC]
    assert ids(w.ok("doc.search", as_="fanny", text="PARIS")) == [PUB, SAMDOC, FAM]  # FAM: tag only, last
    assert ids(w.ok("doc.search", text="paris -night")) == [PUB]
    assert ids(w.ok("doc.search", text='"red sky"')) == [PUB]
    assert ids(w.ok("doc.search", text="nothing-matches-this")) == []


def test_search_tags_match_all(w):
    assert ids(w.ok("doc.search", tags="paris")) == [PUB, SAMDOC]
    assert ids(w.ok("doc.search", tags="Paris,sunset")) == [PUB]
    assert ids(w.ok("doc.search", tags="paris,night")) == [SAMDOC]
    assert ids(w.ok("doc.search", tags="paris,dog")) == []


def test_search_filters(w):
    olga = USERS["olga"]
    assert ids(w.ok("doc.search", user_id=olga, license=1)) == [VID]
    assert ids(w.ok("doc.search", as_="olga", user_id=olga, license="0,3")) == [PUB, FAM, FRI, FF, PRIV, AUD]
    assert ids(w.ok("doc.search", user_id=olga, media="video")) == [VID]
    assert ids(w.ok("doc.search", as_="olga", user_id=olga, share=2)) == [FRI]
    assert ids(w.ok("doc.search", as_="sam", user_id=olga, share=2)) == [PUB, VID, AUD]
    assert ids(w.ok("doc.search", user_id=olga, posted_min=T0 + 100, posted_max=T0 + 600)) == [PUB, VID]
    assert ids(w.ok("doc.search", user_id=olga, created_min="2020-01-01 00:00:00")) == [PUB]
    assert ids(w.ok("doc.search", user_id=olga, created_max="2018-01-01 00:00:00")) == [VID, AUD]
    assert ids(w.ok("doc.search", album_id=800001)) == [PUB]
    assert ids(w.ok("doc.search", as_="olga", album_id=800001)) == [PUB, FAM]
    assert ids(w.ok("doc.search", group_id=400001)) == [PUB]  # VID is pending


def test_search_geo(w):
    assert ids(w.ok("doc.search", lat=PARIS[0], lng=PARIS[1], dist=1000)) == [PUB]
    assert ids(w.ok("doc.search", lat=LYON[0], lng=LYON[1])) == [VID]
    assert ids(w.ok("doc.search", lat=48.9, lng=2.35, dist=2000)) == []  # ~4.8 km away
    assert ids(w.ok("doc.search", lat=48.9, lng=2.35, dist=30000)) == [PUB]
    assert ids(w.ok("doc.search", lat=48.9, lng=2.35, dist=10**9)) == [PUB]  # dist capped at 30 km


def test_search_sorts(w):
    olga = USERS["olga"]
    assert ids(w.ok("doc.search", as_="olga", user_id=olga, sort="created-asc")) == [AUD, VID, PRIV, FF, FRI, FAM, PUB]
    assert ids(w.ok("doc.search", as_="olga", user_id=olga, sort="posted-asc")) == OLGA_ALL[::-1]
    assert ids(w.ok("doc.search", user_id=olga, sort="popular")) == [PUB, VID, AUD]
    bulk = ids(w.ok("doc.search", user_id=USERS["bulk"], sort="posted-desc", per_page=4))
    assert bulk == [BULK0 + 250, BULK0 + 249, BULK0 + 248, BULK0 + 247]  # equal posted_at pairs: doc_id decides


def test_search_pages_never_overlap(w):
    for sort in ("relevance", "popular", "posted-asc", "created-desc"):
        seen: list[int] = []
        for page in range(1, 5):
            seen += ids(w.ok("doc.search", user_id=USERS["bulk"], sort=sort, per_page=70, page=page))
        assert len(seen) == N_BULK == len(set(seen)), sort


def test_search_extras_and_json_strings(w):
    out = w.ok("doc.search", text="lyon", extra="owner,dates,count,license,medias,geo,original")
    rec = out["docs"]["doc"][0]
    assert rec["owner"]["username"] == "olga" and rec["owner"]["is_pro"] == "1"
    assert rec["count"]["albums"] == "1" and rec["count"]["groups"] == "0"  # pending pool entries do not count
    assert rec["medias"]["media"][0]["label"] == "mp4"
    assert float(rec["geo"]["lng"]) == LYON[1]
    assert rec["original"]["ext"] == "mp4"
    assert out["docs"]["total"] == "1"


def test_search_xml_list(w):
    root = w.xml("doc.search", tags="paris")
    docs = root.find("docs")
    assert docs.get("total") == "2"
    assert [d.get("doc_id") for d in docs.findall("doc")] == [str(PUB), str(SAMDOC)]
    assert docs.find("doc/thumb").get("label") == "75x"


def test_search_malformed_values(w):
    out = w.ok("doc.search", lat="north", lng="x", posted_min="soon", license="abc", page="-2", sort="weird")
    assert out["docs"]["page"] == "1" and "doc" not in out["docs"]  # license abc matches nothing


@pytest.fixture(scope="module")
def big():
    """A sandbox with 3100 public docs, for the 3000-result cap and speed."""
    with Sandbox(seed="empty") as sb:
        db = sqlite3.connect(sb.db_path)
        db.execute("INSERT INTO users (user_id, username, password_hash) VALUES (310001, 'many', 'x$0')")
        db.executemany(
            "INSERT INTO docs (doc_id, owner_id, title, media, posted_at, secret, w, h) VALUES (?, 310001, ?, "
            "'photo', ?, 'abcd0123', 800, 600)",
            [(7_000_000 + i, f"Photo {i}", T0 + i) for i in range(3100)],
        )
        db.commit()
        db.close()
        yield World.build(sb)


def test_search_capped_at_3000(big):
    out = big.ok("doc.search", per_page=100)
    assert out["docs"]["total"] == "3000" and out["docs"]["pages"] == "30"
    assert len(ids(big.ok("doc.search", per_page=100, page=30))) == 100
    assert "doc" not in big.ok("doc.search", per_page=100, page=31)["docs"]


def test_search_speed_pages_of_100_with_extras(big):
    t = time.perf_counter()
    n = 10
    for page in range(1, n + 1):
        big.ok("doc.search", per_page=100, page=page, extra="owner,dates,count,license,medias,geo,original")
    rate = n / (time.perf_counter() - t)
    print(f"doc.search: {rate:.1f} pages of 100 with all extras per second (3100 docs)")
    assert rate > 2


# --- neighbours and counts ------------------------------------------------------------------


def test_get_containers(w):
    anon = w.ok("doc.getContainers", doc_id=PUB)
    assert anon["albums"]["total"] == "1" and anon["albums"]["album"][0]["docs"] == "2"
    assert [g["group_id"] for g in anon["groups"]["group"]] == ["400001"]  # private group hidden
    mine = w.ok("doc.getContainers", as_="olga", doc_id=PUB)
    assert [g["group_id"] for g in mine["groups"]["group"]] == ["400001", "400002"]
    vid = w.ok("doc.getContainers", as_="olga", doc_id=VID)
    assert vid["groups"]["pending"] == "1" and vid["groups"]["group"][0]["pending"] == "1"
    assert "group" not in w.ok("doc.getContainers", doc_id=VID)["groups"]  # pending: owner only


def test_get_context(w):
    out = w.ok("doc.getContext", as_="olga", doc_id=FF, prev=2, next=2)
    assert out["doc"]["index"] == "4"
    assert [(d["doc_id"], d["index"]) for d in out["prev"]["doc"]] == [(str(FRI), "3"), (str(FAM), "2")]
    assert [(d["doc_id"], d["index"]) for d in out["next"]["doc"]] == [(str(PRIV), "5"), (str(VID), "6")]
    anon = w.ok("doc.getContext", doc_id=PUB)
    assert anon["prev"]["count"] == "0" and "doc" not in anon["prev"]
    assert [int(d["doc_id"]) for d in anon["next"]["doc"]] == [VID, AUD]
    assert w.err("doc.getContext", doc_id=PRIV) == (1, "Document not found")


def test_get_faves_and_visitors(w):
    faves = w.ok("doc.getFaves", doc_id=PUB)["faves"]
    assert faves["total"] == "2" and [f["username"] for f in faves["fave"]] == ["sam", "fred"]
    assert faves["per_page"] == "10"
    vis = w.ok("doc.getVisitors", as_="olga", doc_id=PUB)["visits"]
    assert [v["username"] for v in vis["visit"]] == ["sam", "fred"]
    assert vis["anonymous"]["visits"] == "45"
    assert w.err("doc.getVisitors", as_="fred", doc_id=PUB) == (1, "Document not found")
    assert w.err("doc.getVisitors", doc_id=PUB)[0] == 106  # token required


def test_get_perms_and_exif(w):
    p = w.ok("doc.getPerms", as_="sam", doc_id=PUB)
    assert p["visibility"]["ispublic"] == "1" and p["permissions"]["tag"] == "4"
    assert p["can"]["comment"] == "1" and p["can"]["tag"] == "0"
    assert w.err("doc.getPerms", as_="sam", doc_id=FAM) == (1, "Document not found")
    assert w.ok("doc.getExif", doc_id=PUB)["exif"] == {"Make": "Canon", "FNumber": "5.6"}
    assert w.err("doc.getExif", doc_id=FRI) == (1, "Document not found")


def test_check_md5(w):
    out = w.ok("doc.checkMD5", as_="olga", md5=f"{MD5_PUB},{'f' * 32},junk")["docs"]
    assert out["count"] == "3" and out["found"] == "1"
    assert out["doc"][0] == {"md5": MD5_PUB, "found": "1", "doc_id": str(PUB)}
    # a sum with no doc still carries doc_id ("0"): live clients read doc_id on every item and
    # call doc.get with it, catching the API error; note readers test found
    assert out["doc"][1] == {"md5": "f" * 32, "found": "0", "doc_id": "0"}
    assert out["doc"][2] == {"md5": "junk", "found": "0", "doc_id": "0"}
    for item in out["doc"][1:]:
        assert w.err("doc.get", as_="olga", doc_id=item["doc_id"]) == (1, "Document not found")
    xml = parse(w.raw("doc.checkMD5", "olga", "xml", md5="f" * 32).content, "xml", "doc.checkMD5")["docs"]
    assert xml["doc"] == [{"md5": "f" * 32, "found": "0", "doc_id": "0"}] and xml["found"] == "0"
    assert w.ok("doc.checkMD5", as_="sam", md5=MD5_PUB)["docs"]["found"] == "0"  # only one's own docs


def test_comments_reads(w):
    out = w.ok("doc.comments.getList", doc_id=PUB)["comments"]
    assert out["doc_id"] == str(PUB) and out["total"] == "3" and out["per_page"] == "100"
    assert [c["comment_id"] for c in out["comment"]] == ["700001", "700002", "700003"]
    assert out["comment"][1]["parent_id"] == "700001" and out["comment"][0]["content"] == "Lovely colours"
    assert w.err("doc.comments.getList", doc_id=FAM) == (1, "Document not found")
    one = w.ok("doc.comments.get", as_="olga", comment_id=700002, extra="owner")["comment"]
    assert one["parent"]["content"] == "Lovely colours" and one["owner"]["username"] == "olga"
    assert one["canedit"] == "1" and one["candelete"] == "1"
    assert w.ok("doc.comments.get", as_="olga", comment_id=700003)["comment"]["candelete"] == "1"  # doc owner
    assert w.err("doc.comments.get", comment_id=700004) == (1, "Comment not found")
    assert w.ok("doc.comments.get", as_="fanny", comment_id=700004)["comment"]["content"] == "Family only comment"
    root = w.xml("doc.comments.getList", doc_id=PUB)
    # the text is a <content> child element (comments.comment.content, a text element)
    assert root.find("comments/comment").text is None
    assert root.find("comments/comment/content").text == "Lovely colours"
    reply = w.xml("doc.comments.get", as_="olga", comment_id=700002).find("comment")
    assert reply.find("parent/content").text == "Lovely colours" and reply.find("content").text


def test_doc_tags_getlist(w):
    tags = w.ok("doc.tags.getList", doc_id=PUB)["tags"]
    assert tags["total"] == "4"
    assert [(t["type"], t["tag"]) for t in tags["tag"]] == [
        ("keyword", "paris"),
        ("keyword", "sunset"),
        ("keyword", "seine"),
        ("member", "fred"),
    ]
    assert w.err("doc.tags.getList", doc_id=PRIV) == (1, "Document not found")


def test_closed_account_docs_are_gone(w):
    zed_doc = 5_000_102
    assert w.err("doc.get", doc_id=zed_doc) == (1, "Document not found")
    assert w.err("doc.get", as_="olga", doc_id=zed_doc) == (1, "Document not found")
    assert zed_doc not in ids(w.ok("doc.search", text="closed account"))
    assert w.sql("SELECT COUNT(*) FROM docs WHERE doc_id = ?", (zed_doc,)) == [(1,)]  # still stored


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("doc.get", {"doc_id": PUB, "extra": "tags,notes,geo,md5"}),
        ("doc.getList", {"user_id": USERS["olga"], "extra": "dates,count,geo,medias,original"}),
        ("doc.search", {"text": "paris", "extra": "owner,count,geo"}),
        ("doc.getMedias", {"doc_id": VID}),
        ("doc.getContainers", {"doc_id": PUB}),
        ("doc.getContext", {"doc_id": FF}),
        ("doc.getExif", {"doc_id": PUB}),
        ("doc.getFaves", {"doc_id": PUB}),
        ("doc.getPerms", {"doc_id": PUB}),
        ("doc.checkMD5", {"md5": MD5_PUB}),
        ("doc.comments.getList", {"doc_id": PUB}),
        ("doc.comments.get", {"comment_id": 700002}),
        ("doc.tags.getList", {"doc_id": PUB}),
    ],
)
def test_client_decodes_json_and_xml_alike(w, method, params):
    """The package's Client reads the same payload from both formats (shapes.py list rules hold)."""
    from ipernity_nb import Client

    got = {}
    for fmt in ("json", "xml"):
        c = Client(w.api_key, w.secret, token=w.tokens["fred"], url=w.sb.api_url, format=fmt, progress=False)
        got[fmt] = c.call(method, **params)
    assert got["json"] == got["xml"]
    assert got["json"]  # not an empty payload


DEMO_READS = [
    ("doc.get", {"extra": "tags,notes,geo,md5"}),
    ("doc.getMedias", {}),
    ("doc.getContainers", {}),
    ("doc.getContext", {}),
    ("doc.getExif", {}),
    ("doc.getFaves", {}),
    ("doc.getVisitors", {}),
    ("doc.getPerms", {}),
    ("doc.comments.getList", {}),
    ("doc.tags.getList", {}),
]


def test_demo_seed_reads(api, token_for):
    """Every doc read answers on the shared demo seed (alice's newest docs), in both formats."""
    token = token_for("alice", {"doc": "read"})
    listed = api("doc.getList", token=token, per_page=5, extra="dates,count,geo,medias,original,md5").json()
    assert listed["api"]["status"] == "ok" and int(listed["docs"]["total"]) > 0
    for doc in listed["docs"]["doc"]:
        for method, extra in DEMO_READS:
            for fmt in ("json", "xml"):
                r = api(method, fmt=fmt, token=token, doc_id=doc["doc_id"], **extra)
                assert r.status_code == 200
                if fmt == "json":
                    assert r.json()["api"]["status"] == "ok", (method, r.json())
                else:
                    assert '<api status="ok">' in r.text, (method, r.text[:300])
    found = api("doc.search", text="a", per_page=100, extra="owner,dates,count,license,medias,geo,original").json()
    assert found["api"]["status"] == "ok" and len(found["docs"]["doc"]) == 100
