"""ipernity_nb: the ipernity.com API from Jupyter.

A request-signing client returning dicts and typed pandas DataFrames, notebook widgets,
tutorials and an offline sandbox that emulates api.ipernity.com.
"""

from __future__ import annotations

from . import catalog, errors
from .appstats import app_stats
from .auth import DesktopFlow, SandboxApprover, WebFlow, check_token, client_from_env
from .authtoken import Token
from .backup import BackupSummary, backup
from .cache import CacheSettings
from .client import Client
from .codes import label
from .display import show_thumbs
from .embedded import connect, embedded_sandbox, sandbox_approver
from .errors import (
    APIError,
    AuthError,
    ChildrenNotFetchedError,
    ControlError,
    IncompleteResultWarning,
    IpernityError,
    MethodNotFoundError,
    NotFoundError,
    ParameterError,
    PermissionDeniedError,
    PostRequiredError,
    RateLimitError,
    RightsError,
    SandboxError,
    ServerError,
    ServiceUnavailableError,
    SignInError,
    TokenRevokedError,
    TransportError,
    UnknownMethodError,
)
from .explain import explain_signature
from .frames import concat_frames, to_frame, unnest
from .oauth import OAuthFlow
from .sandbox import Sandbox
from .signinform import SignInForm
from .signing import api_sig, sign
from .tokenstore import TokenStore
from .transport import RetryPolicy, WriteUncertainError
from .upload import UploadError, UploadTimeout
from .upload_batch import upload_many
from .widgets import AuthForm, MethodForm

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthError",
    "AuthForm",
    "BackupSummary",
    "CacheSettings",
    "ChildrenNotFetchedError",
    "Client",
    "ControlError",
    "DesktopFlow",
    "IncompleteResultWarning",
    "IpernityError",
    "MethodForm",
    "MethodNotFoundError",
    "NotFoundError",
    "OAuthFlow",
    "ParameterError",
    "PermissionDeniedError",
    "PostRequiredError",
    "RateLimitError",
    "RetryPolicy",
    "RightsError",
    "Sandbox",
    "SandboxApprover",
    "SandboxError",
    "ServerError",
    "ServiceUnavailableError",
    "SignInError",
    "SignInForm",
    "Token",
    "TokenRevokedError",
    "TokenStore",
    "TransportError",
    "UnknownMethodError",
    "UploadError",
    "UploadTimeout",
    "WebFlow",
    "WriteUncertainError",
    "__version__",
    "api_sig",
    "app_stats",
    "backup",
    "catalog",
    "check_token",
    "client_from_env",
    "concat_frames",
    "connect",
    "embedded_sandbox",
    "errors",
    "explain_signature",
    "label",
    "sandbox_approver",
    "show_thumbs",
    "sign",
    "to_frame",
    "unnest",
    "upload_many",
]
