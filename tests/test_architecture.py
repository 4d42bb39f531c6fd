"""The shape the code keeps: routes are HTTP only, and nothing but the app reaches into them.

A route module may import services, forms, presenters and guards; never another routes module.
A service, presenter or form never imports routes. Input is read only at the boundary.
A template's link to a file is a plain link: the server names the attachment.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _is_routes(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("routes")


def test_only_the_app_imports_routes() -> None:
    offenders = []
    for path in PORTAL.rglob("*.py"):
        if path.name == "app.py" and path.parent == PORTAL:
            continue
        reached = sorted(name for name in _imports(path) if name.startswith("portal.") and _is_routes(name))
        if reached:
            offenders.append(f"{path.relative_to(PORTAL.parent)}: {', '.join(reached)}")
    assert offenders == []


def test_no_route_reads_a_form_by_hand() -> None:
    """Every POST goes through portal/forms.py: no route calls request.form() or reads a form with .get()."""
    offenders = []
    for path in PORTAL.rglob("*routes*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("request.form(", "form.get(", ".getlist("):
            if needle in text:
                offenders.append(f"{path.relative_to(PORTAL.parent)}: {needle}")
    assert offenders == []


def test_no_link_carries_the_download_attribute() -> None:
    """The server names every file it sends as an attachment. The attribute adds nothing when the file comes; when an
    error page comes instead (a file gone, a busy service), Chrome saves it as a failed download and the person never
    sees the page that explains (seen with the case documents, 2026-12-03)."""
    link_with_download = re.compile(r"<a\b[^>]*\sdownload(?=[\s=>])")
    offenders = [f"{path.relative_to(PORTAL.parent)}: {match.group(0)[:60]}"
                 for path in (PORTAL / "templates").rglob("*.html")
                 for match in link_with_download.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
