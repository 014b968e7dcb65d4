"""The layer contract (pyproject.toml, [tool.importlinter]) holds, and it would catch an upward import.

Runs lint-imports on the real tree, then on a copy of it with one upward import planted:
a function-local one, since those are the imports that used to dodge the cycles.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("empathy_site", "interviews", "personas", "collaboration", "interop")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=300,
    )


def _copy_tree(target: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__", "templates", "static"))


def test_the_tree_keeps_its_layers():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(("module", "upward_import", "message"), [
    ("empathy_site/tenancy/roles.py", "from personas.models import Persona", "empathy_site.tenancy is not allowed to import personas"),
    ("empathy_site/api/base.py", "from empathy_site.sync import models", "empathy_site.api is not allowed to import empathy_site.sync"),
    ("interviews/services/tags.py", "from personas import selectors", "interviews is not allowed to import personas"),
])
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward_import, message):
    _copy_tree(tmp_path)
    planted = tmp_path / module
    planted.write_text(planted.read_text() + f"\n\ndef _planted():\n    {upward_import}  # noqa\n    return None\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and message in result.stdout, result.stdout


def _function_local_imports(path: Path):
    """(line, statement) of each import inside a function whose line, or the line above, has no comment."""
    import ast

    lines = path.read_text().splitlines()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom) and inner is not node:
                here, above = lines[inner.lineno - 1], lines[inner.lineno - 2] if inner.lineno > 1 else ""
                previous = [line for line in lines[node.lineno:inner.lineno - 1] if line.strip().startswith("#")]
                if "#" not in here and "#" not in above and not previous:
                    yield inner.lineno, here.strip()


def test_function_local_imports_say_why():
    """A function-local import that dodges a cycle is a cycle: each one left carries a comment saying why."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {statement}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for line, statement in _function_local_imports(path)
    ]
    assert offenders == []
