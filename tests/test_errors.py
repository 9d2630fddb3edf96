"""The exception tree, the generic code table, and secret-free messages."""

from __future__ import annotations

import re

import pytest

from ipernity_nb import errors
from ipernity_nb.errors import (
    APIError,
    AuthError,
    IpernityError,
    MethodNotFoundError,
    NotFoundError,
    ParameterError,
    PermissionDeniedError,
    PostRequiredError,
    RateLimitError,
    RightsError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    error_for,
    redact,
)

# docs/protocol.md §5.1, written out here independently of errors.CODES.
EXPECTED = {
    100: AuthError,
    101: AuthError,
    102: APIError,
    103: MethodNotFoundError,
    104: AuthError,
    105: AuthError,
    106: AuthError,
    107: AuthError,
    108: AuthError,
    109: PermissionDeniedError,
    110: PermissionDeniedError,
    111: PermissionDeniedError,
    112: RateLimitError,
    113: RateLimitError,
    120: PostRequiredError,
    121: APIError,
    122: APIError,
    130: AuthError,
    131: AuthError,
    132: AuthError,
    133: AuthError,
    134: AuthError,
    135: AuthError,
    500: ServiceUnavailableError,
    501: ServiceUnavailableError,
    503: ServiceUnavailableError,
}


@pytest.mark.parametrize(("code", "cls"), sorted(EXPECTED.items()))
def test_every_generic_code_maps_to_its_class(code, cls):
    label = errors.CODES[code].label
    for raw in (code, str(code)):  # codes arrive as strings or numbers (§2.3)
        err = error_for(raw, label, method="doc.get")
        assert type(err) is cls
        assert (err.code, err.message, err.method) == (code, label, "doc.get")
        assert str(code) in str(err) and label in str(err) and "doc.get" in str(err)
        assert err.hint and err.hint in str(err)


def test_code_table_covers_exactly_the_documented_codes():
    assert set(errors.CODES) == set(EXPECTED)


def test_method_specific_not_found_and_others():
    assert type(error_for(1, "Document not found", method="doc.get")) is NotFoundError
    assert type(error_for("1", "Album not found", method="album.get")) is NotFoundError
    other = error_for(2, "Comment text is empty", method="doc.comments.add")
    assert type(other) is APIError and other.code == 2
    assert error_for("garbage", "odd").code == -1


def test_rate_limit_keeps_retry_after():
    err = error_for(113, "Client IP Quota Error", retry_after=2.0)
    assert isinstance(err, RateLimitError) and err.retry_after == 2.0


def test_tree_shape():
    assert issubclass(ParameterError, ValueError) and issubclass(ParameterError, IpernityError)
    assert issubclass(ServerError, TransportError) and issubclass(TransportError, IpernityError)
    assert issubclass(RightsError, IpernityError) and not issubclass(RightsError, APIError)
    for cls in set(EXPECTED.values()) | {NotFoundError}:
        assert issubclass(cls, APIError)
    assert set(errors.__all__) >= {"APIError", "ParameterError", "error_for", "redact"}


def _package_modules():
    import importlib
    import pkgutil

    import ipernity_nb

    for info in pkgutil.walk_packages(ipernity_nb.__path__, "ipernity_nb."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


def test_every_error_class_lives_in_errors_and_is_drawn_in_the_tree():
    """errors.py holds the one tree, drawn in its docstring; feature modules re-export."""
    elsewhere, undrawn = [], []
    for mod in _package_modules():
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and issubclass(obj, IpernityError):
                if obj.__module__ != "ipernity_nb.errors":
                    elsewhere.append(f"{mod.__name__}.{name}")
                elif name not in errors.__all__ or not re.search(rf"(── |\n    ){name}\b", errors.__doc__):
                    undrawn.append(name)
    assert not elsewhere, f"define these in ipernity_nb/errors.py: {elsewhere}"
    assert not undrawn, f"export and draw these in errors.py: {sorted(set(undrawn))}"


def test_moved_errors_keep_their_old_import_paths_and_places():
    from ipernity_nb import auth, paging, transport, upload

    old = {
        paging: ["PagesNotFetchedError"],
        transport: ["WriteUncertainError"],
        upload: ["UploadError", "UploadTimeout"],
        auth: ["FrobError", "FrobUsedError", "FrobExpiredError", "FrobNotApprovedError"],
    }
    for mod, names in old.items():
        for name in names:
            assert getattr(mod, name) is getattr(errors, name) and name in mod.__all__
    assert issubclass(errors.WriteUncertainError, TransportError)
    assert issubclass(errors.UploadTimeout, errors.UploadError) and not issubclass(errors.UploadError, APIError)
    assert issubclass(errors.FrobNotApprovedError, errors.FrobError) and issubclass(errors.FrobError, AuthError)
    assert issubclass(errors.PagesNotFetchedError, IpernityError)
    err = errors.PagesNotFetchedError("doc.search", [2, 3], TransportError("boom"))
    assert err.pages == [2, 3] and "page(s) 2, 3 could not be fetched (TransportError: boom)" in str(err)


def test_messages_never_contain_secrets():
    token, secret, sig = "987654321-e5a5b9c3d5a77eab", "e9a599f0cf6ce193", "a269b218feb341ef03bc093a0f2c8078"
    params = {"auth_token": token, "api_sig": sig, "secret": secret, "doc_id": 5}
    shown = redact(params)
    assert shown == {"auth_token": "***", "api_sig": "***", "secret": "***", "doc_id": 5}
    texts = [str(error_for(c, errors.CODES[c].label, method="doc.get")) for c in EXPECTED]
    texts.append(str(RightsError("doc.delete", "doc", "delete", "read")))
    texts.append(error_for(110, "Insufficient permissions", method="doc.delete")._repr_html_())
    for text in texts:
        for s in (token, secret, sig):
            assert s not in text


def test_rights_error_says_what_to_do():
    err = RightsError("doc.delete", "doc", "delete", "read")
    assert "doc:delete" in str(err) and "perm_doc=delete" in str(err) and "doc:read" in str(err)
    assert "there is no token" in str(RightsError("doc.delete", "doc", "delete", None))
