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


# ---- one job per module, each file on its floor -------------------------------------------------


# Command-line entry points inside store/ are the top floor (like dashboard.py): they speak to
# people, so they may use the string catalog and the sign-in rules; nothing may import them.
STORE_COMMANDS = {"store/users.py"}


# The roll-ups kept in the database (issue 12) are maintained inside each write with the pure
# roll-up functions of metrics/ (the formulas stay there; store/summary.py only reads and writes).
ROLLUP_MAINTENANCE = {"store/summary.py"}


@pytest.mark.parametrize("path", [p for p in modules("store") if rel(p) not in STORE_COMMANDS], ids=rel)
def test_store_does_not_import_metrics_or_the_string_catalog(path):
    """The database layer stores and reads; reading and checking a plan workbook belongs with
    the readers (ingest/plans_io.py), and words belong to the callers. Only the roll-up
    maintenance uses metrics/ (its pure formulas), never the string catalog."""
    forbidden = {"i18n", "ingest", "reports"} | (set() if rel(path) in ROLLUP_MAINTENANCE else {"metrics"})
    bad = imported(path) & forbidden
    assert not bad, f"{rel(path)} imports {sorted(bad)}"


def test_no_module_imports_a_store_command():
    """``python -m store.users`` is a command, not a library: no module depends on it."""
    for path in ROOT.glob("**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        src = path.read_text(encoding="utf-8")
        assert "store.users import" not in src and "from store import users" not in src, rel(path)


def test_the_vectorised_grid_has_its_own_module():
    """metrics/progress.py holds the method (one unit at a time); the all-units numpy twin is
    metrics/grid.py, and progress.py does not define it again."""
    tree = ast.parse((ROOT / "metrics" / "progress.py").read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert not defined & {"evaluate_grid", "unit_goals_grid", "quarter_matrices", "DuplicateQuarters"}
    grid = ast.parse((ROOT / "metrics" / "grid.py").read_text(encoding="utf-8"))
    assert {"evaluate_grid", "unit_goals_grid"} <= {n.name for n in grid.body if isinstance(n, ast.FunctionDef)}


def test_status_and_outlook_words_live_in_the_string_catalog():
    """No Chinese word in metrics/progress.py or metrics/grid.py: the labels of the status and
    outlook codes are in i18n/<lang>/signals.toml."""

    for name in ("progress.py", "grid.py"):
        tree = ast.parse((ROOT / "metrics" / name).read_text(encoding="utf-8"))
        assignments = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        assert not assignments & {"STATUS_ZH", "STATUS_EN", "OUTLOOK_ZH", "OUTLOOK_EN"}
        literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and not isinstance(getattr(n, "parent", None), ast.Expr)]
        words = {"提前实现", "快于预期", "基本符合预期", "严重滞后", "预计可完成", "需加快进度", "趋势倒退", "无法研判"}
        assert not words & set(literals), f"metrics/{name} spells out status words"


def test_one_rule_for_the_root_unit():
    """Only metrics/rollup.py decides which unit is the federation; the others call it."""
    defs = []
    for path in sorted(ROOT.rglob("*.py")):
        if {".venv", "tests", "benchmarks"} & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defs += [rel(path) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "root_unit" and n.args.args]
    assert defs == ["metrics/rollup.py"]
