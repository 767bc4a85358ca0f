"""Tests about the codebase itself (STYLE 1, 2, 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "assessment"
FORBIDDEN = {"streamlit", "plotly"}


def _imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


CORE_FILES = sorted(CORE.rglob("*.py"))


def test_core_files_found() -> None:
    assert len(CORE_FILES) >= 5, "the scan must see the core's modules"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_ui_libraries(path: Path) -> None:
    bad = _imported_top_modules(path) & FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: assessment/ must stay free of the UI"


def test_import_scanner_catches_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import os\nfrom plotly import express\nimport streamlit.components.v1 as c\n")
    assert _imported_top_modules(sample) & FORBIDDEN == {"plotly", "streamlit"}


PAGE_FILES = sorted((ROOT / "app_pages").glob("*.py"))


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_pages_are_thin(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150, f"{path.name} is long: move logic into assessment/ or ui/"
    assert "openpyxl" not in _imported_top_modules(path), f"{path.name} uses openpyxl: belongs in the core"
    assert ".iterrows(" not in text and "groupby(" not in text, f"{path.name} transforms data: use the core"


# -- the layers of the core (issue 12): one-way data flow, no import circles -------------------------
# bytes -> intake -> store -> scoring -> views/reports (DESIGN 2). A module may import its own package
# and packages of lower layers, never a package of its own layer or a higher one. A new package must
# be placed here (and described in docs/ARCHITECTURE.md) before the tests pass.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("domain",),
    ("catalogue",),
    ("intake", "notify"),
    ("store",),
    ("scoring", "auth"),
    ("demo", "accountability"),
    ("views", "reports"),
    ("commands",),
    ("cli",),
    ("__main__",),
)
LAYER_OF = {name: rank for rank, names in enumerate(LAYERS) for name in names}
PACKAGES = sorted(p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").is_file())


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def project_imports(path: Path) -> set[str]:
    """The modules of ``assessment`` and ``ui`` that ``path`` imports, at any depth of the file
    (imports inside functions and under TYPE_CHECKING count too: they are circles waiting to
    happen). ``from pkg import name`` names the submodule when ``name`` is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if _is_module(sub) else module)
    return {m for m in found if m.split(".")[0] in {"assessment", "ui"} and m != me}


def _graph(roots: tuple[str, ...]) -> dict[str, set[str]]:
    files = [p for r in roots for p in sorted((ROOT / r).rglob("*.py"))]
    return {_module_name(p): project_imports(p) for p in files}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle (strongly connected set of two or more modules), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            members = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                members.append(w)
                if w == v:
                    break
            if len(members) > 1:
                cycles.append(sorted(members))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "assessment":
        return None
    return parts[1] if len(parts) > 1 else "domain"  # the root package holds only the version


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a package into one of its own layer or a higher one (``importer -> imported``)."""
    bad = []
    for module, imported in sorted(graph.items()):
        mine = _stage(module)
        for other in sorted(imported):
            theirs = _stage(other)
            if mine is None or theirs is None or theirs == mine:
                continue
            if LAYER_OF[theirs] >= LAYER_OF[mine]:
                bad.append(f"{module} -> {other} ({mine} may not import {theirs})")
    return bad


def test_every_core_package_has_a_layer() -> None:
    top_modules = {p.stem for p in CORE.glob("*.py") if p.stem != "__init__"}
    missing = sorted((set(PACKAGES) | top_modules) - set(LAYER_OF))
    assert not missing, f"place {missing} in LAYERS (this module) and docs/ARCHITECTURE.md"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_owns_and_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((CORE / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 200, f"assessment/{package}/__init__.py needs a paragraph on what it owns"
    assert "import" in doc, f"assessment/{package}/__init__.py must say what it may import"


def test_no_import_circles_in_the_core_or_the_ui() -> None:
    cycles = import_cycles(_graph(("assessment", "ui")))
    assert not cycles, "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_lower_stage_imports_a_higher_one() -> None:
    bad = upward_imports(_graph(("assessment",)))
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_the_core_never_imports_the_ui_package() -> None:
    graph = _graph(("assessment",))
    bad = sorted(f"{m} -> {i}" for m, imported in graph.items() for i in imported if i.startswith("ui"))
    assert not bad, f"assessment/ imports ui/: {bad}"


def test_the_checks_catch_a_circle_and_an_upward_import() -> None:
    graph = {
        "assessment.domain.model": {"assessment.scoring.stats"},  # upward
        "assessment.scoring.stats": {"assessment.domain.model"},  # and a circle with it
        "ui.a": {"ui.b"},
        "ui.b": {"ui.c"},
        "ui.c": {"ui.a"},
        "assessment.views.x": {"assessment.reports.y"},  # same layer: not allowed either
        "assessment.store.ok": {"assessment.catalogue.regions", "assessment.store.other"},
    }
    assert import_cycles(graph) == [
        ["assessment.domain.model", "assessment.scoring.stats"],
        ["ui.a", "ui.b", "ui.c"],
    ]
    assert upward_imports(graph) == [
        "assessment.domain.model -> assessment.scoring.stats (domain may not import scoring)",
        "assessment.views.x -> assessment.reports.y (views may not import reports)",
    ]


def test_the_scanner_sees_lazy_and_submodule_imports() -> None:
    # commands/demo.py imports the seeding inside its run function (a lazy import counts);
    # demo/seed.py does `from assessment.store import audit, ...` (names a submodule, not the package)
    assert "assessment.demo.seed" in project_imports(CORE / "commands" / "demo.py")
    found = project_imports(CORE / "demo" / "seed.py")
    assert {"assessment.store.audit", "assessment.auth.signin"} <= found
    assert "assessment.store" not in found


ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"


def test_architecture_doc_names_every_core_package() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [p for p in PACKAGES if f"`{p}/`" not in text]
    assert not missing, f"docs/ARCHITECTURE.md does not describe {missing}: add a line for each"
