"""The layers hold: every service's `domain/` is pure (no broker, database, telemetry or
web framework), the kernel's pure rules too, and no service imports another (they meet
only on NATS subjects and in the kernel)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SERVICES = ("section11", "events", "reviews", "reporting")
FRAMEWORKS = {"faststream", "nats", "asyncpg", "opentelemetry", "starlette", "uvicorn", "jinja2"}
PURE_KERNEL = ("shared/planner.py", "shared/london.py", "shared/calendar.py", "shared/decisions.py")


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _domain_modules() -> list[Path]:
    return sorted(p for s in SERVICES for p in (ROOT / "services" / s / "domain").rglob("*.py"))


@pytest.mark.parametrize("path", [*_domain_modules(), *(ROOT / p for p in PURE_KERNEL)], ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_code_is_pure(path: Path) -> None:
    frameworks = {name for name in imported(path) if name.split(".")[0] in FRAMEWORKS}
    assert frameworks == set(), f"{path.relative_to(ROOT)} imports {sorted(frameworks)}"


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service: str) -> None:
    others = {f"services.{s}" for s in SERVICES if s != service}
    crossing = {
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "services" / service).rglob("*.py")
        for name in imported(path)
        if any(name == o or name.startswith(o + ".") for o in others)
    }
    assert crossing == set()
