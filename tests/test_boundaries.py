"""Architecture rules that keep the layers apart: the computing layers (metrics/, ingest/,
store/, reports/) never import Streamlit, metrics/ does no I/O, and only app_cache.py holds
Streamlit caches."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_STREAMLIT = ("metrics", "ingest", "store", "reports")
# metrics/ is pure: no database, files, spreadsheets or app modules
NOT_IN_METRICS = ("streamlit", "sqlalchemy", "psycopg", "openpyxl", "python_calamine", "docx", "store", "ingest",
                  "app_cache", "ui", "resources", "bootstrap", "charts", "tables", "reports")


def modules(*folders: str) -> list[Path]:
    return sorted(p for f in folders if (ROOT / f).is_dir() for p in (ROOT / f).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_layers_have_modules():
    assert modules("metrics") and modules("store") and modules("ingest")


@pytest.mark.parametrize("path", modules(*NO_STREAMLIT), ids=rel)
def test_computing_layer_does_not_import_streamlit(path):
    assert "streamlit" not in imported(path), f"{rel(path)} imports streamlit"


@pytest.mark.parametrize("path", modules("metrics"), ids=rel)
def test_metrics_is_pure(path):
    bad = imported(path) & set(NOT_IN_METRICS)
    assert not bad, f"{rel(path)} imports {sorted(bad)}"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "open" not in calls, f"{rel(path)} opens files"


def cache_uses(path: Path) -> list[int]:
    """Lines that create a Streamlit cache (``st.cache_data``/``st.cache_resource``, not ``.clear()``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("cache_data", "cache_resource"):
            parent = parents.get(node)
            if not (isinstance(parent, ast.Attribute) and parent.attr == "clear"):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "streamlit":
            if any(a.name in ("cache_data", "cache_resource") for a in node.names):
                lines.append(node.lineno)
    return lines


APP_FILES = [p for p in sorted(ROOT.rglob("*.py"))
             if not {".venv", "tests", "benchmarks"} & set(p.relative_to(ROOT).parts) and p.name != "app_cache.py"]


@pytest.mark.parametrize("path", APP_FILES, ids=rel)
def test_only_app_cache_holds_streamlit_caches(path):
    assert not cache_uses(path), f"{rel(path)} creates a Streamlit cache at line(s) {cache_uses(path)}; use app_cache.py"


def test_app_cache_does_hold_the_caches():
    assert cache_uses(ROOT / "app_cache.py")


def test_no_pages_folder_beside_the_entry_point():
    """A ``pages/`` folder next to dashboard.py switches Streamlit to its legacy multipage mode
    for the first run, and a deep link to a page then shows "Page not found"."""
    from pathlib import Path

    assert not (Path(__file__).resolve().parents[1] / "pages").exists()
