"""API handlers, one module per family. Importing this package registers all of them.

Every module in this package is imported (``pkgutil``), so a new family module registers its
``@handler`` functions without editing this file.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

log = logging.getLogger("ipernity_nb.sandbox")

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    importlib.import_module(f"{__name__}.{_info.name}")
