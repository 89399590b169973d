"""What runs in production depends downwards only: `shared/` names no service and none of the packages above it
(operations, the development stack), and a service imports no other service and no development stack."""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVICES = sorted(path.name for path in (ROOT / "services").iterdir() if (path / "pyproject.toml").exists())


def flipside_imports(source_root: Path) -> dict[str, set[str]]:
    """Each module's absolute imports of a flipside_* package (`from . import` stays inside its package)."""
    found: dict[str, set[str]] = {}
    for path in sorted(source_root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        modules |= {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        }
        packages = {module.split(".")[0] for module in modules if module.startswith("flipside_")}
        if packages:
            found[str(path.relative_to(ROOT))] = packages
    return found


def test_shared_imports_nothing_but_itself():
    imports = flipside_imports(ROOT / "shared" / "src")
    assert {
        path: packages - {"flipside_shared"} for path, packages in imports.items() if packages - {"flipside_shared"}
    } == {}


def test_no_runtime_package_depends_on_operations_or_the_development_stack():
    runtime = [ROOT / "shared", *(ROOT / "services" / service for service in SERVICES)]
    for package in runtime:
        dependencies = tomllib.loads((package / "pyproject.toml").read_text())["project"]["dependencies"]
        flipside = {d for d in dependencies if d.startswith("flipside-")}
        assert flipside <= {"flipside-shared"}, f"{package.name} depends on {flipside}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_shared_and_itself_only(service):
    allowed = {"flipside_shared", f"flipside_{service}"}
    imports = flipside_imports(ROOT / "services" / service / "src")
    assert any("flipside_shared" in packages for packages in imports.values()), "the scan sees its imports"
    assert {path: packages - allowed for path, packages in imports.items() if packages - allowed} == {}
