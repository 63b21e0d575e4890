"""Every template compiles: a filter used without its `{% load %}`, or a tag left open, fails
here rather than on the one page that renders it."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"
TEMPLATES = sorted(str(path.relative_to(TEMPLATE_DIR)) for path in TEMPLATE_DIR.rglob("*.html"))


def test_the_templates_are_found():
    assert len(TEMPLATES) > 50 and "disputes/claim.html" in TEMPLATES


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_template_compiles(name):
    get_template(name)
