"""Every error a user can meet on the front door's sandbox paths comes from the one tree.

Each case is a public call with bad input a newcomer or a student types; the test fails if it
raises anything that is not an ``IpernityError``, or a message that does not say what to do.
"""

from __future__ import annotations

import pytest

import ipernity_nb as ipn
from ipernity_nb import errors
from ipernity_nb.errors import ControlError, IpernityError, ParameterError, SignInError


def _cases(sandbox):
    url = sandbox.url
    return {
        "unknown user": (lambda: ipn.connect(sandbox=sandbox, user="zoe"), ControlError, "create a member"),
        "invalid level": (
            lambda: ipn.connect(sandbox=sandbox, user="alice", perms={"doc": "admin"}),
            ControlError,
            "use one of",
        ),
        "invalid scope": (
            lambda: ipn.connect(sandbox=sandbox, user="alice", perms={"photos": "read"}),
            ControlError,
            "use one of",
        ),
        "user taken (re-running a notebook)": (
            lambda: [sandbox.create_user("rerun_once", "pw") for _ in range(2)],
            ControlError,
            "sign in as",
        ),
        "unknown app key": (lambda: sandbox.issue_token("0" * 32, "alice"), ControlError, "create_app"),
        "URL join without password": (
            lambda: ipn.connect(sandbox=url, user="alice"),
            ParameterError,
            "password=",
        ),
        "wrong password": (
            lambda: ipn.connect(sandbox=url, user="alice", password="nope"),
            SignInError,
            "wrong password",
        ),
        "unknown user by URL": (
            lambda: ipn.connect(sandbox=url, user="zoe", password="demo"),
            SignInError,
            "Check the user name",
        ),
        "not a URL": (lambda: ipn.connect(sandbox="localhost:8765"), ParameterError, "e.g. 'http://"),
        "not a sandbox": (lambda: ipn.connect(sandbox=8765), ParameterError, "sandbox='http://host:port'"),
        "user on the real API": (lambda: ipn.connect(sandbox=False, user="alice"), ParameterError, "AuthForm"),
        "unknown seed": (lambda: ipn.Sandbox(seed="full"), ParameterError, "'demo' or 'empty'"),
    }


CASES = [
    "unknown user",
    "invalid level",
    "invalid scope",
    "user taken (re-running a notebook)",
    "unknown app key",
    "URL join without password",
    "wrong password",
    "unknown user by URL",
    "not a URL",
    "not a sandbox",
    "user on the real API",
    "unknown seed",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_raises_from_the_tree_with_advice(sandbox, case):
    call, cls, advice = _cases(sandbox)[case]
    with pytest.raises(Exception) as info:
        call()
    assert isinstance(info.value, IpernityError), f"{case}: {type(info.value).__module__}.{type(info.value).__name__}"
    assert isinstance(info.value, cls)
    assert advice in str(info.value)


def test_control_error_moved_into_the_tree_keeps_its_old_path():
    from ipernity_nb.sandbox import control

    assert control.ControlError is errors.ControlError and "ControlError" in control.__all__
    assert issubclass(errors.ControlError, errors.SandboxError) and issubclass(errors.SandboxError, IpernityError)
    assert issubclass(errors.SignInError, errors.SandboxError)
    assert errors.ControlError("x", status=409).status == 409


def test_create_user_exist_ok_lets_a_notebook_run_twice(sandbox):
    first = sandbox.create_user("twice_user", "pw", exist_ok=True)
    assert sandbox.create_user("twice_user", "other", exist_ok=True) == first
    with pytest.raises(ControlError, match="is taken"):
        sandbox.create_user("twice_user", "pw")


def test_join_by_url_is_the_same_sandbox(sandbox):
    """``connect(sandbox=url)`` talks to that sandbox's API and pages (no AttributeError)."""
    anon = ipn.connect(sandbox=sandbox.url + "/")
    assert anon.url == sandbox.api_url and anon.site_url == sandbox.url
    assert anon.call("test.hello") == {"hello": "hello world!"}
    also = ipn.connect(sandbox=sandbox.api_url)  # the API URL is understood too
    assert also.url == sandbox.api_url
    bob = ipn.connect(sandbox=sandbox.url, user="bob", password="demo", perms={"doc": "read"})
    assert bob.token and bob.rights["doc"] == "read"
    assert bob.check_token().get("user", {}).get("username") == "bob"
    # a second sign-in finds the app already authorized (the site skips the consent form)
    again = ipn.connect(sandbox=sandbox.url, user="bob", password="demo", perms={"doc": "read"})
    assert again.token and again.token != bob.token
