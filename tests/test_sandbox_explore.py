"""explore.*, faves.docs.getList and network.docs.getRecent in the sandbox over a real socket."""

from __future__ import annotations

import pytest
from docworld import AUD, FF, FRI, PUB, SAMDOC, USERS, VID, World, ids

from ipernity_nb.sandbox import Sandbox

FRED_DOC = 5_000_103


@pytest.fixture(scope="module")
def w():
    with Sandbox(seed="empty") as sb:
        yield World.build(sb)


# --- explore ---------------------------------------------------------------------------------


def test_recent_public_only_count_wrapper(w):
    out = w.ok("explore.docs.getRecent", count=3)
    assert ids(out) == [PUB, VID, SAMDOC]  # the closed account's doc and fred's friends-only doc are left out
    assert set(out["docs"]) == {"count", "doc"} and out["docs"]["count"] == "3"
    assert ids(w.ok("explore.docs.getRecent", as_="olga", count=3)) == [PUB, VID, SAMDOC]  # explore is public
    assert ids(w.ok("explore.docs.getRecent", count=2, media="video")) == [VID, 6_000_250]
    assert len(ids(w.ok("explore.docs.getRecent", count=1000))) == 100  # max 100


def test_popular_paginated_by_visits(w):
    out = w.ok("explore.docs.getPopular", per_page=2)
    assert ids(out) == [PUB, VID]
    assert out["docs"]["per_page"] == "2" and int(out["docs"]["total"]) == 254
    assert w.ok("explore.docs.getPopular", per_page=500)["docs"]["per_page"] == "50"
    assert ids(w.ok("explore.docs.getPopular", per_page=1, media="photo", safesurf=1)) == [PUB]


def test_homepage_most_faved_photos(w):
    out = w.ok("explore.docs.homepage", extra="owner")
    assert ids(out) == [PUB, SAMDOC]
    assert out["docs"]["count"] == "2" and out["docs"]["doc"][0]["owner"]["username"] == "olga"
    # a paged list carries its pages (the 2014 sample shows only count)
    page = w.ok("explore.docs.homepage", per_page=1, page=2)["docs"]
    assert (page["total"], page["page"], page["pages"], page["count"]) == ("2", "2", "2", "1")


def test_groups_random(w):
    out = w.ok("explore.groups.getRandom", count=10)["groups"]
    assert out["count"] == "1"
    g = out["group"][0]
    assert g["group_id"] == "400001" and g["count"]["docs"] == "1" and g["count"]["members"] == "1"
    assert g["visibility"]["ispublic"] == "1"


# --- faves.docs.getList ----------------------------------------------------------------------


def test_faves_defaults_to_caller_and_skips_own_docs(w):
    out = w.ok("faves.docs.getList", as_="fred")
    assert ids(out) == [FRI, SAMDOC, PUB]  # latest fave first; fred's own doc left out
    recs = {int(d["doc_id"]): d for d in out["docs"]["doc"]}
    assert recs[PUB]["iscontact"] == "1" and recs[PUB]["isfriend"] == "1" and recs[PUB]["isfamily"] == "0"
    assert recs[SAMDOC]["iscontact"] == "0"
    assert out["docs"]["total"] == "3"


def test_faves_visibility_and_owner_filter(w):
    fred = USERS["fred"]
    assert ids(w.ok("faves.docs.getList", user_id=fred)) == [SAMDOC, PUB]  # anonymous cannot see FRI
    assert ids(w.ok("faves.docs.getList", user_id=fred, owner_id=fred)) == []  # friends-only: hidden from anonymous
    assert ids(w.ok("faves.docs.getList", as_="fred", owner_id=fred)) == [FRED_DOC]
    assert ids(w.ok("faves.docs.getList", as_="fred", owner_id=USERS["olga"])) == [FRI, PUB]
    assert w.err("faves.docs.getList") == (1, "User not found")


def test_faves_extras(w):
    out = w.ok("faves.docs.getList", user_id=USERS["fred"], extra="count,owner")
    assert out["docs"]["doc"][1]["count"]["faves"] == "2"
    assert out["docs"]["doc"][1]["owner"]["username"] == "olga"


# --- network.docs.getRecent ------------------------------------------------------------------


def test_network_recent(w):
    out = w.ok("network.docs.getRecent", as_="fred")
    assert ids(out) == [PUB, FRI, FF, VID, AUD]
    assert out["docs"]["count"] == "5" and out["docs"]["show"] == "5"
    assert ids(w.ok("network.docs.getRecent", as_="fred", limit=2)) == [PUB, FRI]
    assert ids(w.ok("network.docs.getRecent", as_="fred", relation=1)) == []
    assert ids(w.ok("network.docs.getRecent", as_="fred", relation=2, count=1)) == [PUB]
    assert ids(w.ok("network.docs.getRecent", as_="fred", hours=1)) == []  # all posted in 2020
    assert ids(w.ok("network.docs.getRecent", as_="olga")) == [FRED_DOC]


def test_network_recent_needs_token(w):
    assert w.err("network.docs.getRecent")[0] == 106
