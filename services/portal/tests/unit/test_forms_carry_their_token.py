"""Every form carries the browser's CSRF token: a template that imports the `csrf` macro without the page's
context renders an empty token, and the form is refused (a test posting the token itself would not notice)."""

import re
from pathlib import Path

import pytest

from flipside_portal.web import TEMPLATES_DIR

IMPORTS_CSRF = re.compile(r"{%-?\s*from\s+\"macros\.html\"\s+import\s+[^%]*\bcsrf\b[^%]*%}")
TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES_DIR)))
def test_the_csrf_macro_is_imported_with_the_pages_context(template: Path):
    for statement in IMPORTS_CSRF.findall(template.read_text()):
        assert "with context" in statement, f"{template.name}: {statement}"


def test_the_check_finds_the_templates_with_forms():
    assert sum(bool(IMPORTS_CSRF.search(path.read_text())) for path in TEMPLATES) >= 10
