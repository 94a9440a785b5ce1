"""Accept-Language: the language a browser prefers most by its q-values, not the first one it names."""

import pytest

from app.platform.i18n import negotiate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en;q=0.1, uk;q=0.9", "uk"),
        ("uk;q=0.2, en;q=0.8", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE, en;q=0.5, uk;q=0.4", "en"),
        ("uk-UA, en", "uk"),
        ("en, uk", "en"),
        ("en;q=0.5, uk;q=0.5", "en"),
        ("uk;q=0, en;q=0.3", "en"),
        ("uk;q=0", None),
        ("en;q=abc, uk;q=0.1", "uk"),
        ("EN;Q=0.7, UK;Q=0.6", "en"),
        ("fr, de", None),
        ("", None),
        (None, None),
        ("*", None),
    ],
)
def test_the_preferred_language_is_chosen_by_q_value_then_by_order(header, expected):
    assert negotiate(header) == expected
