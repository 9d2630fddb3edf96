"""Statistics of an application (counted per call, shown to its owner, read as a DataFrame) and the
client side of revocation (check_token, the token store, AuthForm)."""

from __future__ import annotations

import pandas as pd
import pytest
from apphelpers import authorize, call, form, member, new_key, texts
from authpages import submit

import ipernity_nb as ipn
from ipernity_nb import AuthForm, Client, TokenStore
from ipernity_nb.auth import Token, check_token, client_from_env
from ipernity_nb.errors import AuthError, ParameterError, SandboxOnlyError, TokenRevokedError


def _client(sandbox, app: dict, **kw) -> Client:
    return Client(app["api_key"], app["secret"], url=sandbox.api_url, site_url=sandbox.url, progress=False, **kw)


def test_calls_are_counted_per_method_and_outcome(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    for _ in range(3):
        call(sandbox, app, "test.hello", signed=False)
    call(sandbox, app, "test.echo", echo="x")
    call(sandbox, app, "auth.getFrob", signed=False)  # 104
    call(sandbox, {**app, "secret": "0" * 16}, "auth.getFrob")  # 105
    call(sandbox, app, "no.suchMethod", signed=False)  # 103, counted under one bounded name
    df = ipn.app_stats(_client(sandbox, app))
    got = df.groupby(["method", "code"], observed=True)["calls"].sum().to_dict()
    assert got == {
        ("test.hello", 0): 3,
        ("test.echo", 0): 1,
        ("auth.getFrob", 104): 1,
        ("auth.getFrob", 105): 1,
        ("(unknown method)", 103): 1,
    }
    assert df.attrs["calls"] == 7 and df.attrs["errors"] == 3 and df.attrs["members"] == 0
    labels = dict(zip(df.code, df.label, strict=True))
    assert labels[104] == "Signature missing" and labels[0] == "ok"
    assert str(df.dtypes["day"]) == "datetime64[ns, UTC]" and str(df.dtypes["calls"]) == "Int64"
    assert str(df.dtypes["code"]) == "Int64" and str(df.dtypes["ok"]) == "boolean"
    assert df.day.dt.normalize().nunique() == 1 and (df.day == df.day.dt.normalize()).all()


def test_owner_page_shows_the_same_statistics(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    call(sandbox, app, "test.hello", signed=False)
    call(sandbox, app, "auth.getFrob", signed=False)
    user, _ = member(sandbox)
    authorize(user, sandbox, app)
    page = texts(s.get(f"{sandbox.url}/apps/key/{app['api_key']}").text)
    assert page["members"] == "1"
    assert "Signature missing" in page["by_code"] and "test.hello" in page["by_method"]
    as_json = s.get(f"{sandbox.url}/apps/key/{app['api_key']}/stats.json").json()
    assert int(page["calls"]) == as_json["calls"] and as_json["members"] == 1
    assert len(as_json["by_day"]) == 30 and as_json["by_day"][-1]["calls"] == as_json["calls"]
    short = s.get(f"{sandbox.url}/apps/key/{app['api_key']}/stats.json", params={"days": "7"}).json()
    assert len(short["by_day"]) == 7


def test_empty_statistics_are_still_typed(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    df = ipn.app_stats(_client(sandbox, app), days=7)
    assert df.empty and list(df.columns) == ["day", "method", "code", "label", "calls", "ok"]
    assert str(df.dtypes["day"]) == "datetime64[ns, UTC]" and df.attrs["calls"] == 0


def test_statistics_need_the_current_secret(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    page = s.get(f"{sandbox.url}/apps/key/{app['api_key']}")
    submit(s, page, form(page, "secret"), {})
    with pytest.raises(ParameterError, match="secret does not match"):
        ipn.app_stats(_client(sandbox, app))
    with pytest.raises(ParameterError, match="days"):
        ipn.app_stats(_client(sandbox, app), days=0)
    with pytest.raises(ParameterError, match="secret"):
        ipn.app_stats(Client(app["api_key"], url=sandbox.api_url, site_url=sandbox.url))


def test_live_service_has_no_statistics_api():
    client = Client("5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c", "a1b2c3d4e5f60718")
    with pytest.raises(SandboxOnlyError) as err:
        ipn.app_stats(client)
    assert "no API for application statistics" in str(err.value)
    assert err.value.url == "https://www.ipernity.com/apps/key/5f3e7b1c9a2d4e6f8b0c1d2e3f4a5b6c"
    assert "a1b2c3d4e5f60718" not in str(err.value)


def test_not_a_sandbox_says_so(sandbox):
    client = Client("k", "s", site_url=sandbox.url + "/coverage")  # answers HTML, not statistics
    with pytest.raises(SandboxOnlyError, match="sandbox"):
        ipn.app_stats(client)


def _revoke_all(sandbox, s) -> None:
    page = s.get(f"{sandbox.url}/apps/authorized")
    submit(s, page, form(page, "revoke"), {})


def test_check_token_recognises_a_revoked_token_and_the_store_forgets_it(sandbox, tmp_path):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    token = authorize(s, sandbox, app)
    client = _client(sandbox, app, token=token)
    held = check_token(client)
    store = TokenStore(tmp_path)
    store.save(held)
    store.save(Token("999-other", user_id=1, username="someone", api_key=app["api_key"]))
    _revoke_all(sandbox, s)
    with pytest.raises(TokenRevokedError) as err:
        check_token(client, store=store)
    assert isinstance(err.value, AuthError) and err.value.code == 107
    assert "this member revoked the application; authorize again" in str(err.value).lower()
    assert token not in str(err.value) and client.token is None
    assert [t.username for t in store.list(app["api_key"])] == ["someone"]  # only the revoked one went


def test_client_from_env_check_drops_a_revoked_saved_token(sandbox, tmp_path):
    s, name = member(sandbox)
    app = new_key(s, sandbox)
    store = TokenStore(tmp_path)
    store.save(check_token(_client(sandbox, app, token=authorize(s, sandbox, app))))
    _revoke_all(sandbox, s)
    with pytest.raises(TokenRevokedError):
        client_from_env(app["api_key"], app["secret"], store=store, check=True, url=sandbox.api_url)
    assert store.load(app["api_key"], name) is None


def test_authform_says_the_member_revoked_the_application(sandbox, tmp_path):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    store = TokenStore(tmp_path)
    store.save(check_token(_client(sandbox, app, token=authorize(s, sandbox, app))))
    _revoke_all(sandbox, s)
    form_ = AuthForm(_client(sandbox, app), store=store)
    assert form_.token is None and "this member revoked the application; authorize again" in form_.status.value.lower()
    assert store.list(app["api_key"]) == []


def test_dataframe_plots(sandbox):
    s, _ = member(sandbox)
    app = new_key(s, sandbox)
    call(sandbox, app, "test.hello", signed=False)
    df = ipn.app_stats(_client(sandbox, app))
    table = df.pivot_table("calls", "day", "method", aggfunc="sum", observed=True)
    assert isinstance(table, pd.DataFrame) and int(table["test.hello"].sum()) == 1


def test_counts_reach_the_database_in_batches_on_an_injectable_clock():
    from ipernity_nb.sandbox.appstats import StatsRecorder
    from ipernity_nb.sandbox.state import State

    t = [0.0]
    st = State(None, seed="empty")
    try:
        rec = StatsRecorder(st, flush_every=5.0, clock=lambda: t[0])

        def stored() -> int:
            with st.connection() as db:
                return db.execute("SELECT COALESCE(SUM(calls), 0) FROM app_stats").fetchone()[0]

        for _ in range(3):
            rec.record("k", "test.hello", 0, 1780272000)
        assert stored() == 0  # counted in memory only
        t[0] = 5.0
        rec.record("k", "test.hello", 104, 1780272000)  # the batch is due: all four go at once
        assert stored() == 4
        rec.record("k", "test.hello", 0, 1780272000 + 86400)
        rec.flush()  # what a statistics page does before reading
        with st.connection() as db:
            days = {r[0]: r[1] for r in db.execute("SELECT day, SUM(calls) FROM app_stats GROUP BY day")}
        assert days == {"2026-06-01": 4, "2026-06-02": 1}
    finally:
        st.close()
