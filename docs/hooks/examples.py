"""Griffe extension for the API reference: the docstrings' ``Example:`` sections as examples.

The package's docstrings head their doctests ``Example:`` (one example per entry point). Griffe's
Google-style parser only treats the plural ``Examples:`` as an examples section, whose ``>>>``
lines it renders as code; the singular would become a note with the doctest as quoted text.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

HEADING = re.compile(r"^(\s*)Example:[ \t]*$", re.M)


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` section headings to ``Examples:`` before the docstring is parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = HEADING.sub(r"\1Examples:", obj.docstring.value)
