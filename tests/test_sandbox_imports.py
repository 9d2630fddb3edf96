"""No import cycle runs through the sandbox's model, seed, rendering and handler modules.

Lazy imports inside functions and ``TYPE_CHECKING`` imports count (grimp reads every import
statement). The seed's world constants live in a leaf module (sandbox/demo_world.py), so the
seed generators no longer import each other in a circle.
"""

from __future__ import annotations

import grimp
import pytest

GRAPH = grimp.build_graph("ipernity_nb")
#: Modules whose imports must never lead back to themselves.
CHECKED = sorted(
    m
    for m in GRAPH.modules
    if m.startswith(
        (
            "ipernity_nb.sandbox.seed",
            "ipernity_nb.sandbox.demo_world",
            "ipernity_nb.sandbox.state",
            "ipernity_nb.sandbox.registry",
            "ipernity_nb.sandbox.render",
            "ipernity_nb.sandbox.views",
            "ipernity_nb.sandbox.visibility",
            "ipernity_nb.sandbox.coverage",
            "ipernity_nb.sandbox.handlers",
        )
    )
)


def test_the_checked_set_is_the_sandbox_core():
    assert "ipernity_nb.sandbox.seed_gen" in CHECKED and "ipernity_nb.sandbox.handlers.doc_search" in CHECKED
    assert len(CHECKED) > 35


@pytest.mark.parametrize("module", CHECKED)
def test_no_import_cycle_through(module):
    for imported in sorted(GRAPH.find_modules_directly_imported_by(module)):
        back = GRAPH.find_shortest_chain(importer=imported, imported=module)
        assert back is None, f"import cycle: {module} -> {' -> '.join(back or ())}"
