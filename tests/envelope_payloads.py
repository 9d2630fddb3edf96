"""Payload fixtures shared by test_envelope and test_frames: one answer in JSON and in XML.

Shapes follow docs/protocol.md §2.5 (doc.search hit list, doc.get, album.getList …) with the
live conventions of §2.3: strings everywhere, lists always arrays.
"""

from __future__ import annotations

import json

DOC_SEARCH_JSON = {
    "api": {"status": "ok"},
    "docs": {
        "page": "1",
        "pages": "2563",
        "per_page": "2",
        "total": "5125",
        "doc": [
            {
                "doc_id": "394926",
                "title": "A nice car",
                "license": "3",
                "media": "photo",
                "owner": {"user_id": "295"},
                "dates": {"posted_at": "1203605781", "created": "2008-01-03 11:22:00"},
                "thumb": {"label": "75x", "ext": "jpg", "w": "75", "h": "75", "url": "https://u1/394926.75x.jpg"},
            },
            {
                "doc_id": "394927",
                "title": "1984",
                "license": "0",
                "media": "video",
                "owner": {"user_id": "296"},
                "dates": {"posted_at": "0", "created": "0000-00-00 00:00:00"},
                "thumb": {"label": "75x", "ext": "jpg", "w": "75", "h": "75", "url": "https://u1/394927.75x.jpg"},
            },
        ],
    },
}
DOC_SEARCH_XML = """<?xml version="1.0" encoding="utf-8"?>
<api status="ok">
  <docs page="1" pages="2563" per_page="2" total="5125">
    <doc doc_id="394926" title="A nice car" license="3" media="photo">
      <owner user_id="295"/>
      <dates posted_at="1203605781" created="2008-01-03 11:22:00"/>
      <thumb label="75x" ext="jpg" w="75" h="75" url="https://u1/394926.75x.jpg"/>
    </doc>
    <doc doc_id="394927" title="1984" license="0" media="video">
      <owner user_id="296"/>
      <dates posted_at="0" created="0000-00-00 00:00:00"/>
      <thumb label="75x" ext="jpg" w="75" h="75" url="https://u1/394927.75x.jpg"/>
    </doc>
  </docs>
</api>"""

DOC_GET_JSON = {
    "api": {"status": "ok"},
    "doc": {
        "doc_id": "12345",
        "media": "video",
        "license": "1",
        "title": "Nice car",
        "owner": {"user_id": "123", "username": "Christophe", "realname": ""},
        "description": "Été & <b>co</b>",
        "dates": {"posted_at": "1203605781", "created": "2008-01-03 11:22:00", "modified_at": "0"},
        "visibility": {"ispublic": "1", "isfriend": "0", "isfamily": "0", "share": "4"},
        "count": {"visits": "96", "faves": "5", "last_visit": "1203605999"},
        "can": {"fave": "1", "download": "0"},
        "thumbs": {"thumb": [{"label": "75x", "w": "75", "h": "75", "url": "https://u1/12345.75x.jpg"}]},
        "geo": {"lat": "48.85", "lng": "2.35"},
        "tags": {"total": "1", "tag": [{"tag_id": "9", "keyword": "car", "type": "keyword"}]},
        "notes": {"total": "1", "note": [{"note_id": "4", "x": "1", "y": "2", "content": "look here"}]},
    },
}
DOC_GET_XML = """<api status="ok"><doc doc_id="12345" media="video" license="1" title="Nice car">
<owner user_id="123" username="Christophe" realname=""/>
<description>Été &amp; &lt;b&gt;co&lt;/b&gt;</description>
<dates posted_at="1203605781" created="2008-01-03 11:22:00" modified_at="0"/>
<visibility ispublic="1" isfriend="0" isfamily="0" share="4"/>
<count visits="96" faves="5" last_visit="1203605999"/>
<can fave="1" download="0"/>
<thumbs><thumb label="75x" w="75" h="75" url="https://u1/12345.75x.jpg"/></thumbs>
<geo lat="48.85" lng="2.35"/>
<tags total="1"><tag tag_id="9" keyword="car" type="keyword"/></tags>
<notes total="1"><note note_id="4" x="1" y="2">look here</note></notes>
</doc></api>"""

ALBUM_DOCS_JSON = {
    "api": {"status": "ok"},
    "album": {
        "album_id": "10551",
        "docs": {
            "page": "1",
            "per_page": "20",
            "total": "1",
            "doc": [{"doc_id": "7", "title": "x", "media": "photo", "safety": "1"}],
        },
    },
}
ALBUM_DOCS_XML = """<api status="ok"><album album_id="10551"><docs page="1" per_page="20" total="1">
<doc doc_id="7" title="x" media="photo" safety="1"/></docs></album></api>"""

NETWORK_JSON = {
    "api": {"status": "ok"},
    "network": {
        "page": "1",
        "pages": "1",
        "per_page": "50",
        "total": "1",
        "count": "1",
        "user": [
            {
                "user_id": "284002",
                "username": "bob",
                "relation": {"isfriend": "1", "isfamily": "0", "revcontact": "1"},
                "count": {"docs": "12", "network": "3"},
            }
        ],
    },
}
NETWORK_XML = """<api status="ok"><network page="1" pages="1" per_page="50" total="1" count="1">
<user user_id="284002" username="bob"><relation isfriend="1" isfamily="0" revcontact="1"/>
<count docs="12" network="3"/></user></network></api>"""

TICKETS_JSON = {
    "api": {"status": "ok"},
    "tickets": {
        "count": "2",
        "done": "1",
        "invalid": "0",
        "left": "1",
        "eta": "120",
        "ticket": [
            {"id": "712218", "done": "1", "invalid": "0", "doc_id": "5412", "eta": "0"},
            {"id": "712311", "done": "0", "invalid": "0", "eta": "120"},
        ],
    },
}
TICKETS_XML = """<api status="ok"><tickets count="2" done="1" invalid="0" left="1" eta="120">
<ticket id="712218" done="1" invalid="0" doc_id="5412" eta="0"/>
<ticket id="712311" done="0" invalid="0" eta="120"/></tickets></api>"""

HELLO_JSON = {"api": {"status": "ok"}, "hello": "hello world!"}
HELLO_XML = '<api status="ok"> <hello>hello world!</hello> </api>'

AUTH_JSON = {
    "api": {"status": "ok"},
    "auth": {
        "token": "987654321-e5a5b9c3d5a77eab",
        "permissions": {"doc": "read", "blog": "none", "network": "none", "user": "none"},
        "user": {"user_id": "123", "username": "james007", "realname": "James Bond"},
    },
}
AUTH_XML = """<api status="ok"><auth><token>987654321-e5a5b9c3d5a77eab</token>
<permissions doc="read" blog="none" network="none" user="none"/>
<user user_id="123" username="james007" realname="James Bond"/></auth></api>"""

#: method -> (JSON body text, XML body text)
PAIRS: dict[str, tuple[str, str]] = {
    "doc.search": (json.dumps(DOC_SEARCH_JSON, ensure_ascii=False), DOC_SEARCH_XML),
    "doc.get": (json.dumps(DOC_GET_JSON, ensure_ascii=False), DOC_GET_XML),
    "album.docs.getList": (json.dumps(ALBUM_DOCS_JSON), ALBUM_DOCS_XML),
    "network.getList": (json.dumps(NETWORK_JSON), NETWORK_XML),
    "upload.checkTickets": (json.dumps(TICKETS_JSON), TICKETS_XML),
    "test.hello": (json.dumps(HELLO_JSON), HELLO_XML),
    "auth.getToken": (json.dumps(AUTH_JSON), AUTH_XML),
}


def payload_of(envelope: dict) -> dict:
    return {k: v for k, v in envelope.items() if k != "api"}
