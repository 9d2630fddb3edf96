"""Static checks of the tutorial notebooks (nbval executes them; see pyproject's pytest options).

Every notebook states what the reader will learn, is committed with its outputs and no
errors, uses the environment's ``python3`` kernel, saves no widget state, marks the outputs
that teach something with ``# NBVAL_CHECK_OUTPUT``, titles and labels its plots, and contains
no API secret, auth token, frob, ``api_sig`` value or absolute local path — in sources,
outputs or metadata. The one signature allowed is the public worked example of
docs/protocol.md §3.1 (its key and secret are published, so its signature is too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipernity_nb.sandbox.seed import DEMO_DESKTOP_APP, DEMO_WEB_APP

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = [
    "01-getting-started.ipynb",
    "02-authorization.ipynb",
    "03-exploring-methods.ipynb",
    "04-analysing-responses.ipynb",
    "05-writing-and-uploading.ipynb",
    "06-real-api.ipynb",
    "07-moving-files.ipynb",
]
OFFLINE_LINE = "Runs offline against the embedded sandbox; see notebook 6 for the real API."

#: The published worked example of docs/protocol.md §3.1/§3.2: key, secret and signatures are public.
PUBLISHED_EXAMPLE = {
    "6fa87ba500002712bd4eed6020f3bd72",  # example api_key
    "e9a599f0cf6ce193",  # example secret
    "a269b218feb341ef03bc093a0f2c8078",  # api_sig of doc.tags.add doc_id=1234 keywords=easy
    "da183021cd39461108770b822fcd9398",  # api_sig of the perm_network=read authorization link
}
#: Secrets of the demo apps: the notebooks never print them (connect() holds them).
DEMO_SECRETS = {DEMO_DESKTOP_APP["secret"], DEMO_WEB_APP["secret"]}

_HEX32 = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])")
_HEX16 = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{16}(?![0-9a-fA-F])")
_TOKEN = re.compile(r"\b\d{9}-[0-9a-f]{12,32}\b")  # sandbox/live tokens and frobs: digits-hex
_SIG_VALUE = re.compile(r"""api_sig["']?\s*[:=]\s*["']?(?!\*\*\*|…|\.\.\.)[0-9A-Za-z]{6,}""")
_AUTH_VALUE = re.compile(
    r"""(auth_token|oauth_token_secret|admin_token|Bearer)["']?\s*[:= ]\s*["']?[0-9A-Za-z_-]{8,}"""
)
_LOCAL_PATH = re.compile(
    r"(?<![\w.])(/work/|/home/|/root/|/tmp/|/Users/|/private/var/|/var/folders/|/usr/|/opt/|[A-Z]:\\\\)"
)


def notebook_paths() -> list[Path]:
    return [NOTEBOOKS / name for name in EXPECTED]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


#: Keys whose values are random ids, not credentials: a widget view's model id (a uuid4 hex).
_ID_KEYS = frozenset({"model_id"})


def iter_strings(node: object) -> Iterator[str]:
    """Every string in a JSON tree (keys included), so metadata and outputs are scanned too."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield k
            if k in _ID_KEYS and isinstance(v, str) and re.fullmatch(r"[0-9a-f]{32}", v):
                continue
            yield from iter_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from iter_strings(v)


def leaks(nb: dict) -> list[str]:
    """What looks like a secret, token, signature or local path anywhere in the notebook."""
    found: list[str] = []
    for text in iter_strings(nb):
        for secret in DEMO_SECRETS:
            if secret in text:
                found.append(f"demo app secret {secret[:4]}…")
        for pattern, what in (
            (_HEX32, "32-hex value (key, token or api_sig)"),
            (_HEX16, "16-hex value (API secret)"),
        ):
            for m in pattern.finditer(text):
                if m.group(0) not in PUBLISHED_EXAMPLE:
                    found.append(f"{what}: {m.group(0)[:6]}…")
        found += [f"token/frob {m.group(0)[:6]}…" for m in _TOKEN.finditer(text)]
        found += [f"api_sig value {m.group(0)[:12]}…" for m in _SIG_VALUE.finditer(text)]
        found += [f"credential {m.group(0)[:14]}…" for m in _AUTH_VALUE.finditer(text)]
        found += [f"local path {m.group(0)!r}" for m in _LOCAL_PATH.finditer(text)]
    return found


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


@pytest.fixture(params=EXPECTED, ids=lambda n: n.split("-")[0])
def nb(request) -> dict:
    path = NOTEBOOKS / request.param
    assert path.exists(), f"{request.param} is missing from notebooks/"
    data = load(path)
    data["_name"] = request.param
    return data


def test_all_seven_notebooks_and_nothing_unexpected() -> None:
    present = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert present == EXPECTED


def test_opens_with_title_what_you_will_learn_and_backend(nb) -> None:
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    text = source(first)
    assert text.startswith("# "), "the first cell is the title"
    assert "**What you will learn**" in text
    bullets = re.findall(r"^- .+", text.split("**What you will learn**", 1)[1], flags=re.M)
    assert len(bullets) >= 3, "at least three learning goals as bullets"
    if nb["_name"].startswith("06"):
        assert "skipped" in text and "IPERNITY_API_KEY" in text
    else:
        assert OFFLINE_LINE in text


def test_first_code_cell_connects_in_one_line(nb) -> None:
    first = source(code_cells(nb)[0])
    assert "import ipernity_nb as ipn" in first
    if not nb["_name"].startswith("06"):  # 06 connects to the real API only when a key is set
        assert "ipn.connect(" in first


def test_prose_explains_each_step(nb) -> None:
    kinds = [c["cell_type"] for c in nb["cells"]]
    md, code = kinds.count("markdown"), kinds.count("code")
    assert md >= code * 0.6, f"{md} prose cells for {code} code cells"
    longest = max(len(source(c).splitlines()) for c in code_cells(nb))
    assert longest <= 20, f"a code cell has {longest} lines: keep cells short"


def test_committed_with_outputs_and_no_errors(nb) -> None:
    cells = code_cells(nb)
    assert all(c.get("execution_count") for c in cells), "every code cell executed"
    counts = [c["execution_count"] for c in cells]
    assert counts == sorted(counts), "executed top to bottom"
    with_output = [c for c in cells if c.get("outputs")]
    assert len(with_output) >= len(cells) // 2
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, f"error outputs committed: {[e['ename'] for e in errors]}"


def test_checked_outputs_are_marked(nb) -> None:
    checked = [
        c
        for c in code_cells(nb)
        if source(c).startswith("# NBVAL_CHECK_OUTPUT") or "nbval-check-output" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(checked) >= 3
    assert all(c.get("outputs") for c in checked), "a checked cell must have a committed output"


def test_kernel_and_no_widget_state(nb) -> None:
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb["metadata"], "saved widget state: strip metadata.widgets"
    for c in nb["cells"]:
        assert "widgets" not in c.get("metadata", {})


def test_plots_have_titles_and_axis_labels(nb) -> None:
    for c in code_cells(nb):
        has_plot = any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
        if not has_plot:
            continue
        src = source(c)
        assert "set_title" in src, f"plot without a title:\n{src}"
        if "set_axis_off" not in src:  # a drawn picture has no axes to label
            assert "set_xlabel" in src and "set_ylabel" in src, f"plot without axis labels:\n{src}"


def test_no_secret_token_signature_or_local_path(nb) -> None:
    assert leaks(nb) == []


def test_the_scan_catches_what_it_must() -> None:
    """The scanner is only worth its green light if it flags planted leaks (and not the example)."""
    token = "123456789-" + "ab" * 16
    planted = {
        "cells": [{"source": f"client.token = '{token}'", "outputs": []}],
        "metadata": {"widgets": {"state": {"x": {"value": DEMO_DESKTOP_APP["secret"]}}}},
    }
    found = leaks(planted)
    assert any("token" in f for f in found) and any("demo app secret" in f for f in found)
    assert leaks({"text": "GET /api/doc.get/json?doc_id=1&api_sig=0123456789abcdef0123456789abcdef"})
    assert leaks({"text": "saved to /home/ada/notes/x.parquet"})
    assert leaks({"text": "cache at /tmp/ipernity-cache-x1/http.sqlite"})
    assert leaks({"text": "auth_token=123-abcdefabcdef"})
    clean = {"text": "api_sig = MD5(...) → a269b218feb341ef03bc093a0f2c8078; api_sig=*** in the log"}
    assert leaks(clean) == []


def test_pytest_runs_the_notebooks_with_nbval_from_the_repo_root() -> None:
    import tomllib

    opts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert opts["testpaths"] == ["tests", "notebooks"]
    addopts = opts["addopts"].split()
    assert "--nbval-lax" in addopts and "--nbval-current-env" in addopts
    sanitizer = addopts[addopts.index("--nbval-sanitize-with") + 1]
    assert (ROOT / sanitizer).is_file()
    assert "--ignore-glob=tests/browser/*.ipynb" in addopts  # Voila's notebooks need the browser tests' env


def test_sanitizer_rules_cover_what_varies() -> None:
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(NOTEBOOKS / "sanitize.cfg")
    rules = [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]

    def clean(text: str) -> str:
        for rx, rep in rules:
            text = rx.sub(rep, text)
        return text

    a = "http://127.0.0.1:41234/api/ 123456789-" + "ab" * 16 + " 2026-11-26 23:53:43.588+00:00 /tmp/ipernity-x1/a"
    b = "http://127.0.0.1:39999/api/ 987654321-" + "cd" * 16 + " 2026-11-27 01:02:03.000+00:00 /tmp/ipernity-y2/a"
    assert clean(a) == clean(b)
    assert clean("{'hello': 'hello world!'}") == "{'hello': 'hello world!'}"  # checked values survive


def _load_named(name: str) -> dict:
    return load(NOTEBOOKS / name)


def output_text(cell: dict) -> str:
    """The committed text of a code cell: streams, then plain-text results."""
    parts = []
    for o in cell.get("outputs", []):
        text = o.get("text", o.get("data", {}).get("text/plain", ""))
        parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(parts)


def test_real_api_notebook_guards_every_network_cell() -> None:
    """Notebook 6 touches api.ipernity.com only inside ``if HAVE_KEY``; committed outputs are the skips."""
    cells = code_cells(_load_named("06-real-api.ipynb"))
    real_cells = [c for c in cells if re.search(r"\breal\s*[.=]", source(c))]  # uses the real client
    assert len(real_cells) >= 3
    for c in real_cells:
        src = source(c)
        assert src.startswith("if HAVE_KEY"), f"a real-API cell is not guarded:\n{src}"
        text = output_text(c)
        assert text.startswith("skipped:"), f"committed output is not the offline skip:\n{text}"
    assert not any("sandbox=False" in source(c) for c in cells if c not in real_cells)


def test_moving_files_notebook_works_in_a_temp_dir_and_cleans_up() -> None:
    """Notebook 7 uploads and backs up in a temporary folder, deletes what it uploaded, comes back."""
    nb = _load_named("07-moving-files.ipynb")
    src = "\n".join(source(c) for c in code_cells(nb))
    for needed in ("upload_many(", ".upload(", "backup(", "read_index(", "tempfile.mkdtemp(", "doc.delete"):
        assert needed in src, f"notebook 7 no longer uses {needed}"
    assert src.index("os.chdir(work)") < src.index("os.chdir(home)") < src.index("shutil.rmtree(work)")
    checked = {source(c): c for c in code_cells(nb) if source(c).startswith("# NBVAL_CHECK_OUTPUT")}
    outputs = {s: output_text(c) for s, c in checked.items()}
    assert any("fetched only the changed document: True" in o for o in outputs.values())
    assert any("duplicate" in o and "failed" in o and "skipped" in o for o in outputs.values())
    last = [o for s, o in outputs.items() if 'doc.getList")["docs"]["total"]' in s]
    assert last == ["'0'"], "the account must be empty again after the clean-up"
