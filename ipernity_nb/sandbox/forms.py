"""Request bodies as the sandbox reads them: bounded, and a broken one is an error that says why.

werkzeug's form parser is silent by default: a multipart body cut short, or a url-encoded
body with a byte that is not UTF-8, becomes an empty form, so the caller was told "API Key
is missing". :class:`BoundedRequest` parses strictly and answers ``400`` naming the problem,
``413`` past the bounds (the whole body, a url-encoded form read in memory, the number of
multipart parts). File parts are spooled to a temporary file past 500 KiB (werkzeug's
default stream factory), so an upload never sits whole in memory before it is checked.

Example:
    >>> from werkzeug.test import EnvironBuilder
    >>> env = EnvironBuilder(method="POST", data=b"echo=\\xff", content_type="application/x-www-form-urlencoded")
    >>> try:
    ...     BoundedRequest(env.get_environ()).form
    ... except BadBody as exc:
    ...     print(exc.code, exc.description.split(";")[0])
    400 the url-encoded form is not valid UTF-8 (byte 0xff at offset 5)
"""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge, RequestTimeout
from werkzeug.formparser import FormDataParser
from werkzeug.wrappers import Request

__all__ = [
    "MAX_FORM_MEMORY",
    "MAX_FORM_PARTS",
    "MAX_REQUEST_BYTES",
    "BadBody",
    "BodyTimeout",
    "BodyTooLarge",
    "BoundedRequest",
]

#: The whole body: the largest upload (``max_upload_bytes``, 64 MiB) plus its form fields.
MAX_REQUEST_BYTES = 65 * 1024 * 1024
#: Form fields held in memory (a url-encoded body, or the non-file parts of a multipart one).
MAX_FORM_MEMORY = 8 * 1024 * 1024
#: Parts of one multipart body (werkzeug's default).
MAX_FORM_PARTS = 1000


class _PlainText(HTTPException):
    """An HTTP error whose body is its description as plain text (clients show it as is)."""

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        return f"{self.description}\n"

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "text/plain; charset=utf-8")]


class BadBody(_PlainText, BadRequest):
    """400: the request body cannot be parsed; the description says where."""


class BodyTooLarge(_PlainText, RequestEntityTooLarge):
    """413: the request body passes one of the bounds; the description names it."""


class BodyTimeout(_PlainText, RequestTimeout):
    """408: the request body did not arrive in time."""


class _StrictParser(FormDataParser):
    def parse(self, stream: IO[bytes], mimetype: str, content_length: int | None, options: Any = None) -> Any:
        try:
            return super().parse(stream, mimetype, content_length, options)
        except _PlainText:
            raise
        except RequestEntityTooLarge:
            raise BodyTooLarge(
                f"the form is too large: more than {self.max_form_parts} parts, or more than "
                f"{self.max_form_memory_size} bytes of fields outside file parts, or more than "
                f"{self.max_content_length} bytes in all; send fewer or smaller parameters"
            ) from None
        except HTTPException:
            raise
        except ValueError as exc:
            raise BadBody(
                f"the {mimetype} body is malformed ({exc}); send a complete body with the boundary "
                "given in Content-Type (an HTTP library builds it for you)"
            ) from None

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> Any:
        limit = self.max_form_memory_size if self.max_form_memory_size is not None else MAX_FORM_MEMORY
        pieces, size = [], 0
        while size <= limit:  # a stream read returns what has arrived, not necessarily all asked for
            piece = stream.read(min(65536, limit + 1 - size))
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
        data = b"".join(pieces)
        if size > limit:
            raise BodyTooLarge(
                f"the url-encoded form is larger than {limit} bytes; send large content as a multipart file part"
            )
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            raise BadBody(
                f"the url-encoded form is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "percent-encode parameter values as UTF-8"
            ) from None
        items = parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")
        return stream, self.cls(items), self.cls()


class BoundedRequest(Request):
    """A werkzeug ``Request`` with the sandbox's body bounds and strict form parsing."""

    max_content_length = MAX_REQUEST_BYTES
    max_form_memory_size = MAX_FORM_MEMORY
    max_form_parts = MAX_FORM_PARTS

    def make_form_data_parser(self) -> FormDataParser:
        return _StrictParser(
            stream_factory=None,  # werkzeug's default: spooled to disk past 500 KiB
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
            silent=False,
        )
