"""The Content-Security-Policy allows no inline styles or scripts: templates must not use them."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_templates_have_no_inline_styles_or_scripts():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        inline_style = re.search(r"\sstyle=", text)
        inline_script = re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
        inline_handler = re.search(r"<[^>]+\son[a-z]+=", text)
        if inline_style or inline_script or inline_handler:
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


def test_every_form_that_posts_carries_a_csrf_field():
    missing = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", text, flags=re.S | re.I):
            if "csrf_input" not in form:
                missing.append(str(template.relative_to(TEMPLATES)))
    assert missing == []
