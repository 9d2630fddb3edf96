"""Your application's statistics — calls per day, method and outcome — as a typed DataFrame.

The sandbox keeps them for every API key and shows them to the key's owner on
``/apps/key/<api_key>``; :func:`app_stats` reads the same numbers as JSON
(``/apps/key/<api_key>/stats.json``, a request signed with the key's secret, so holding the
secret is the proof of ownership). ipernity.com shows its statistics only on the key's web
page and has no API for them: there :func:`app_stats` raises
:class:`~ipernity_nb.errors.SandboxOnlyError` saying where to look.

Example:
    >>> import ipernity_nb as ipn
    >>> client = ipn.connect()
    >>> _ = client.call("test.hello")
    >>> df = ipn.app_stats(client)
    >>> df.dtypes["day"], df.dtypes["calls"], int(df.loc[df.method == "test.hello", "calls"].sum()) >= 1
    (datetime64[ns, UTC], Int64Dtype(), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pandas as pd
import requests

from .errors import ParameterError, SandboxOnlyError, ServerError, TransportError
from .signing import api_sig

if TYPE_CHECKING:
    from .client import Client

__all__ = ["STATS_METHOD", "app_stats"]

#: The method name signed into a statistics request (the sandbox's own, see sandbox/apppages.py).
STATS_METHOD = "sandbox.appStats"
_COLUMNS = {"day": "datetime64[ns, UTC]", "method": "category", "code": "Int64", "label": "string", "calls": "Int64"}


def _live(site_url: str) -> bool:
    host = (urlsplit(site_url).hostname or "").lower()
    return host == "ipernity.com" or host.endswith(".ipernity.com")


def app_stats(client: Client, days: int = 30) -> pd.DataFrame:
    """The client's application statistics over the last ``days`` UTC days (sandbox only).

    One row per day, method and outcome: ``day`` (UTC), ``method``, ``code`` (0 = success,
    else the API error code), ``label`` and ``calls``; ``ok`` is ``code == 0``. ``df.attrs``
    holds the totals: ``calls``, ``errors``, ``members`` (who authorized the application),
    ``from`` and ``to``. Pivot it for a plot: ``df.pivot_table("calls", "day", "method",
    aggfunc="sum").plot.bar(stacked=True)``.

    Example:
        >>> import ipernity_nb as ipn
        >>> ipn.app_stats(ipn.connect()).attrs["members"] >= 0
        True
    """
    site = client.site_url.rstrip("/")
    if _live(site):
        page = f"{site}/apps/key/{quote(client.api_key, safe='')}"
        raise SandboxOnlyError(
            f"ipernity.com has no API for application statistics: open {page} (signed in as the key's "
            "owner) to see them. app_stats() reads them from a sandbox.",
            url=page,
        )
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ParameterError(f"days must be a whole number from 1 to 366; got {days!r}.", param="days")
    secret = client.secret
    if not secret:
        raise ParameterError(
            "Reading an application's statistics needs its secret (the proof you own the key): "
            "give the Client the API secret.",
            param="secret",
        )
    params = {"api_key": client.api_key, "days": str(days)}
    params["api_sig"] = api_sig(params, secret, STATS_METHOD)
    url = f"{site}/apps/key/{quote(client.api_key, safe='')}/stats.json"
    try:  # not client.session: a cached session would replay old numbers
        resp = requests.get(url, params=params, timeout=client.timeout)
    except requests.RequestException as exc:
        raise TransportError(f"Cannot reach {site} for the application statistics ({type(exc).__name__}).") from exc
    data = _payload(resp, site)
    return _frame(data)


def _payload(resp: requests.Response, site: str) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SandboxOnlyError(
            f"{site} did not answer with statistics (HTTP {resp.status_code}): is it an ipernity_nb sandbox? "
            "Only a sandbox serves them to notebooks.",
            url=site,
        )
    if resp.status_code == 403:
        raise ParameterError(
            "The sandbox refused the statistics request: the secret does not match this API key (it may "
            "have been renewed on the key's page). Give the Client the current secret.",
            param="secret",
        )
    if resp.status_code >= 400 or "rows" not in data:
        raise ServerError(
            f"The sandbox could not give the statistics (HTTP {resp.status_code}): {data.get('error', 'no detail')}.",
            status=resp.status_code,
        )
    return data


def _frame(data: dict[str, Any]) -> pd.DataFrame:
    rows = data.get("rows") or []
    df = pd.DataFrame(rows, columns=list(_COLUMNS))
    df["day"] = pd.to_datetime(df["day"], utc=True).astype("datetime64[ns, UTC]")
    df = df.astype({k: v for k, v in _COLUMNS.items() if k != "day"})
    df["ok"] = (df["code"] == 0).astype("boolean")
    df.attrs = {k: data.get(k) for k in ("name", "calls", "errors", "members", "from", "to", "days")}
    return df
