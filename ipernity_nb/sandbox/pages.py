"""HTML of the sandbox's site pages: one layout, escaped everywhere. No logic, no state.

Example:
    >>> "<b>" in page("T", "<p>x</p>"), "&lt;b&gt;" in esc("<b>")
    (False, True)
"""

from __future__ import annotations

from html import escape

__all__ = ["RIGHTS", "consent_form", "esc", "hidden", "page", "rights_words"]

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header a{color:#cfd8ff;text-decoration:none}
header .brand{font-weight:700;letter-spacing:.02em}
header .brand span{color:#ff7a45}
main{max-width:40rem;margin:2rem auto;background:#fff;border-radius:10px;padding:1.8rem 2rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
main.wide{max-width:64rem}
h1{font-size:1.45rem;margin:0 0 1rem}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=text],input[type=password]{width:100%;padding:.55rem .7rem;border:1px solid #c4c9d4;border-radius:6px;
font-size:1rem}
button{font-size:1rem;padding:.55rem 1.3rem;border-radius:6px;border:1px solid #2f5bea;background:#2f5bea;color:#fff;
cursor:pointer;margin:1.2rem .6rem 0 0}
button.secondary{background:#fff;color:#2f5bea}
ul.rights{padding-left:1.2rem} ul.rights li{margin:.3rem 0}
.ok{background:#e8f6ec;border:1px solid #8fd19e;border-radius:8px;padding:1rem 1.2rem}
.error{background:#fdecea;border:1px solid #f5a9a0;border-radius:8px;padding:1rem 1.2rem}
.muted{color:#667085;font-size:.9rem}
code{background:#f0f2f5;padding:.1rem .35rem;border-radius:4px;font-size:.95em}
code.big{display:inline-block;font-size:1.2rem;padding:.4rem .8rem;margin:.4rem 0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7ec}
td.yes{color:#137333} td.no{color:#b3261e}
"""

#: What each scope and level lets an app do, in words (docs/protocol.md §4.1).
RIGHTS = {
    "doc": ("your photos, videos and documents", "see", "add and edit", "delete"),
    "blog": ("your blog", "read", "write in", "delete posts of"),
    "post": ("your articles", "read", "write and edit", "delete"),
    "network": ("your contacts (network)", "see", "change", "remove people from"),
    "profile": ("your profile", "see", "edit", "edit"),
}


def esc(value: object) -> str:
    """HTML-escape any value (quotes included)."""
    return escape(str(value), quote=True)


def rights_words(scope: str, level: str) -> str:
    """``("doc", "write")`` -> "add and edit your photos, videos and documents (and see them)"."""
    what, read, write, delete = RIGHTS.get(scope, (scope, "read", "write", "delete"))
    if level == "read":
        return f"{read.capitalize()} {what}, including private ones"
    if level == "write":
        return f"{write.capitalize()} {what} (and {read} them)"
    return f"{delete.capitalize()} {what} (and {write} and {read} them)"


def hidden(name: str, value: object) -> str:
    return f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">'


def consent_form(
    app_name: str,
    username: str,
    perms: dict[str, str],
    params: dict[str, str],
    csrf: str,
    action: str,
    *,
    how: str = "",
) -> str:
    """The consent body both flows show (docs/protocol.md §4): the rights asked in words and
    ``<form name="fa" method="post">`` carrying ``params`` and the CSRF token back, with
    approve/deny buttons. ``how`` names the flow in the question (`` (OAuth)``)."""
    rights = "".join(f"<li>{esc(rights_words(s, lv))}</li>" for s, lv in perms.items())
    inputs = "".join(hidden(k, v) for k, v in params.items()) + hidden("csrf", csrf)
    return (
        f"<h1>Authorize {esc(app_name)}?</h1>"
        f"<p>The application <b>{esc(app_name)}</b> asks{how} for access to your ipernity account "
        f"<b>{esc(username)}</b>. It will be able to:</p><ul class=rights>{rights}</ul>"
        f'<form name="fa" method="post" action="{esc(action)}">{inputs}'
        '<button type="submit" name="action" value="approve">Approve</button>'
        '<button type="submit" name="action" value="deny" class="secondary">Deny</button></form>'
    )


def page(title: str, body: str, *, user: str | None = None, wide: bool = False) -> str:
    """A whole HTML document; ``body`` must already be escaped HTML."""
    who = (
        f'signed in as <b>{esc(user)}</b> · <a href="/logout">sign out</a>' if user else '<a href="/login">sign in</a>'
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)} · ipernity sandbox</title><style>{_CSS}</style></head><body>"
        f'<header><a class="brand" href="/">ipernity <span>sandbox</span></a><div>{who}</div></header>'
        f'<main class="{"wide" if wide else ""}">{body}</main></body></html>'
    )
