"""Media URLs and image bytes for the sandbox: thumbnails that really render in a notebook.

URLs follow the live shape (docs/protocol.md §6.5) under the sandbox's own root::

    {base}/media/{farm}/{(doc_id // 100) % 100:02}/{doc_id % 100:02}/{doc_id}.{secret}.{label}.{ext}

Not emulated: seeded images are generated PNG bytes (a colour gradient derived from the doc
id), whatever the extension says; uploaded originals are served byte for byte from the
``files`` table.

Example:
    >>> thumb_dims(4000, 3000, "240"), thumb_dims(4000, 3000, "75x")
    ((240, 180), (75, 75))
    >>> image_png(7, 4, 2)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
"""

from __future__ import annotations

import re
import struct
import zlib
from functools import lru_cache

__all__ = ["LABELS", "doc_from_path", "image_png", "media_url", "thumb_dims"]

#: Thumbnail labels (docs/protocol.md §6.4); ``x`` labels are square crops.
LABELS = ("75x", "100", "240", "250x", "500", "560", "640", "800", "1024", "1600", "2048")

# Bounded parts: a doc id fits SQLite's 64-bit integers (and int() refuses 4300+ digits).
_PATH = re.compile(r"^/media/(\d{1,9})/(\d\d)/(\d\d)/(\d{1,18})\.([0-9a-f]{1,64})\.([0-9a-z]{1,16})\.([0-9a-z]{1,16})$")


def thumb_dims(w: int, h: int, label: str) -> tuple[int, int]:
    """Pixel size of the ``label`` rendition of a ``w``×``h`` original (never upscaled)."""
    if label.endswith("x"):
        n = int(label[:-1])
        return n, n
    if label == "original" or not w or not h:
        return w, h
    n = int(label)
    scale = min(1.0, n / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def media_url(base_url: str, doc_id: int, secret: str, label: str, ext: str = "jpg", farm: int = 1) -> str:
    """The URL of one rendition of a doc, served by the sandbox itself."""
    return f"{base_url}/media/{farm}/{(doc_id // 100) % 100:02}/{doc_id % 100:02}/{doc_id}.{secret}.{label}.{ext}"


def doc_from_path(path: str) -> tuple[int, str, str] | None:
    """Parse a media path into ``(doc_id, secret, label)``; ``None`` if it is not one.

    >>> doc_from_path("/media/1/00/07/7.ab12.240.jpg"), doc_from_path("/media/1/00/07/" + "7" * 5000 + ".ab.240.jpg")
    ((7, 'ab12', '240'), None)
    """
    m = _PATH.match(path)
    if not m:
        return None
    doc_id = int(m.group(4))
    if m.group(2) != f"{(doc_id // 100) % 100:02}" or m.group(3) != f"{doc_id % 100:02}":
        return None
    return doc_id, m.group(5), m.group(6)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=512)
def image_png(seed: int, w: int, h: int) -> bytes:
    """A deterministic ``w``×``h`` RGB PNG: a diagonal gradient coloured by ``seed``.

    Rows repeat in bands, so even 2048-pixel renditions compress in milliseconds.
    """
    w, h = max(1, min(w, 4096)), max(1, min(h, 4096))
    r0, g0, b0 = (seed * 67) % 256, (seed * 151) % 256, (seed * 211) % 256
    bands = 16
    band_rows = []
    for band in range(bands):
        row = bytearray(b"\x00")  # filter type 0
        for x in range(w):
            t = (x * 255 // max(1, w - 1) + band * 255 // bands) // 2
            row += bytes(((r0 + t) % 256, (g0 + t // 2) % 256, (b0 + 255 - t) % 256))
        band_rows.append(bytes(row))
    raw = b"".join(band_rows[min(bands - 1, y * bands // h)] for y in range(h))
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 1)) + _chunk(b"IEND", b"")
    )
