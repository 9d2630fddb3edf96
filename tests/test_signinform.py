"""SignInForm: a student joins a sandbox by URL with a user name and password, in plain Python."""

from __future__ import annotations

from ipernity_nb import SignInForm
from ipernity_nb.errors import SignInError


def test_sign_in_gives_a_client_and_forgets_the_password(sandbox):
    sandbox.create_user("form_student", "pw-4821", realname="Form Student")
    form = SignInForm(sandbox.url + "/", user="form_student", perms={"doc": "read"})
    assert "not signed in" in repr(form)
    form.password.value = "pw-4821"
    form.sign_in_button.click()
    assert form.error is None and form.client is not None
    assert form.client.url == sandbox.api_url and form.client.site_url == sandbox.url
    assert form.client.check_token()["user"]["username"] == "form_student"
    assert form.client.rights["doc"] == "read"
    assert form.password.value == "" and "pw-4821" not in form.status.value and "pw-4821" not in repr(form)
    assert "Signed in as <b>form_student</b>" in form.status.value and "doc: read" in form.status.value
    assert repr(form) == f"SignInForm({sandbox.url + '/'!r}, signed in as 'form_student')"


def test_wrong_password_and_bad_url_are_shown_in_the_form(sandbox):
    form = SignInForm(sandbox.url, user="alice")
    form.password.value = "not-it"
    form.sign_in_button.click()
    assert isinstance(form.error, SignInError) and form.client is None
    assert "wrong password" in form.status.value and "not-it" not in form.status.value
    assert form.password.value == "" and not form.sign_in_button.disabled
    form.url.value = "localhost:8765"
    form.password.value = "demo"
    form.sign_in_button.click()
    assert form.client is None and "ParameterError" in type(form.error).__name__
    assert "is not a sandbox URL" in form.status.value
