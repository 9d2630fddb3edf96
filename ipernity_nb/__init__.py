"""ipernity_nb: the ipernity.com API from Jupyter.

A request-signing client returning dicts and typed pandas DataFrames, notebook widgets,
tutorials and an offline sandbox that emulates api.ipernity.com.
"""

from __future__ import annotations

from . import catalog, errors
from .client import Client
from .errors import (
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
    UnknownMethodError,
)
from .frames import to_frame
from .signing import api_sig, sign

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthError",
    "Client",
    "IpernityError",
    "MethodNotFoundError",
    "NotFoundError",
    "ParameterError",
    "PermissionDeniedError",
    "PostRequiredError",
    "RateLimitError",
    "RightsError",
    "ServerError",
    "ServiceUnavailableError",
    "TransportError",
    "UnknownMethodError",
    "__version__",
    "api_sig",
    "catalog",
    "errors",
    "sign",
    "to_frame",
]
