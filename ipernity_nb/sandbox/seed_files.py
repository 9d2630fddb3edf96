"""Seed: the original file of a doc — pixel size, bytes, length, file name and EXIF — by media type.

Dimensions follow the kind of camera (DSLR, compact, phone); EXIF is the tag list ``doc.getExif``
answers (docs/protocol.md §6.4), written only for photos with a shooting date.

Example:
    >>> import random
    >>> original(random.Random(1), "audio", 0, 2020, None, ("Canon", "EOS 5D", "dslr"))[4]
    'mp3'
"""

from __future__ import annotations

import json
import random
import time

from . import seed_data as D

__all__ = ["original"]

_DIMS = {
    "dslr": [(6000, 4000), (5616, 3744), (4288, 2848), (6016, 4016)],
    "compact": [(4000, 3000), (3648, 2736), (3264, 2448)],
    "phone": [(3264, 2448), (4032, 3024), (2592, 1936)],
}


def original(
    rng: random.Random, media: str, taken: int, year: int, phone: tuple | None, cam: tuple
) -> tuple[int, int, int, int, str, str, str]:
    """``(w, h, bytes, length, ext, file stem, exif)`` of a doc's original, by media type.

    Photos come from the member's camera, or (``phone`` given: 2014 on) 40% from their phone.
    """
    length, ext, exif = 0, "jpg", "[]"
    if media == "photo":
        camera = phone if phone is not None and rng.random() < 0.4 else cam
        if taken == 0:
            wd, ht = rng.choice(((2400, 1600), (1600, 1200), (1024, 683)))
        else:
            wd, ht = rng.choice(_DIMS[camera[2]])
        if rng.random() < 0.25:
            wd, ht = ht, wd
        if rng.random() < 0.1:  # resized before upload
            wd, ht = (1024, 1024 * ht // wd) if wd >= ht else (1024 * wd // ht, 1024)
        size = int(wd * ht * rng.uniform(0.18, 0.45))
        if rng.random() < 0.03:
            ext, size = "png", size * 3
        stem = rng.choice(("IMG_", "DSC_", "P10", "DSCF")) + f"{rng.randint(1, 9999):04d}"
        if taken:
            exif = _exif(rng, camera, taken)
    elif media == "video":
        wd, ht = rng.choice(((1920, 1080), (1280, 720), (640, 480)))
        length = max(3, min(1800, int(rng.lognormvariate(3.5, 1.0))))
        ext, size, stem = rng.choice(("mp4", "mov")), length * rng.randint(400_000, 2_500_000), f"VID_{year}"
    elif media == "audio":
        wd, ht, ext, stem = 600, 600, "mp3", "recording"
        length = rng.randint(20, 900)
        size = length * 16_000
    else:
        wd, ht, ext, stem = 1240, 1754, "pdf", "document"
        size = rng.randint(40_000, 3_000_000)
    return wd, ht, size, length, ext, stem, exif


def _exif(rng, camera: tuple, taken: int) -> str:
    make, model, _ = camera
    items = [
        ("IFD0", "Make", "Make", make),
        ("IFD0", "Model", "Camera Model", model),
        ("ExifIFD", "ExposureTime", "Exposure", rng.choice(D.EXPOSURES)),
        ("ExifIFD", "FNumber", "Aperture", rng.choice(D.FNUMBERS)),
        ("ExifIFD", "ISO", "ISO Speed", str(rng.choice(D.ISOS))),
        ("ExifIFD", "FocalLength", "Focal Length", f"{rng.choice(D.FOCALS)}.0 mm"),
        (
            "ExifIFD",
            "DateTimeOriginal",
            "Date and Time (Original)",
            time.strftime("%Y:%m:%d %H:%M:%S", time.gmtime(taken)),
        ),
    ]
    return json.dumps([{"tagspace": a, "tag": b, "label": c, "raw": d} for a, b, c, d in items], ensure_ascii=False)
