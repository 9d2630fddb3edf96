"""MkDocs hook: publish the tutorials of ``notebooks/`` as pages under ``notebooks/``.

The notebooks stay where JupyterLab, nbval and the README expect them (``notebooks/``); this
hook adds them to the site's files so mkdocs-jupyter renders each one with its saved outputs.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns .ipynb files into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    root = NOTEBOOKS.parent
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        # src_dir is the repository root, so each tutorial's page mirrors its path: notebooks/<name>/
        files.append(File(f"notebooks/{path.name}", str(root), config.site_dir, config.use_directory_urls))
    return files
