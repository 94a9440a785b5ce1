"""The message catalogues: every message marked in the sources has a Ukrainian translation that keeps its
placeholders, and the app reads the catalogues at run time.

When a test here fails after you added or changed a message, run
``.venv/bin/python scripts/update_catalogues.py`` and translate the new entries in
locale/uk/LC_MESSAGES/messages.po (remove the ``fuzzy`` flag once a guessed translation is checked).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from app.platform import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
GETTEXT_CALL = re.compile(r"""\b(?:_|N_|gettext)\(\s*["']""")


def _load_update_script() -> ModuleType:
    path = ROOT / "scripts" / "update_catalogues.py"
    spec = importlib.util.spec_from_file_location("update_catalogues", path)
    assert spec and spec.loader, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction over the current sources, written to and read back from a temporary folder."""
    template = _load_update_script().extract(ROOT)
    pot_path = tmp_path_factory.mktemp("catalogues") / "messages.pot"
    with pot_path.open("wb") as fileobj:
        write_po(fileobj, template)
    with pot_path.open("rb") as fileobj:
        return read_po(fileobj)


def _catalogue(locale: str) -> Catalog:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    assert po_path.exists(), f"{po_path} is missing: run .venv/bin/python scripts/update_catalogues.py"
    with po_path.open("rb") as fileobj:
        return read_po(fileobj, locale=locale)


def _messages(catalogue: Catalog) -> Iterator[Message]:
    return (message for message in catalogue if message.id)


def _key(message: Message) -> str | tuple[str, ...]:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _where(message: Message) -> str:
    places = sorted({filename for filename, _lineno in message.locations})
    return f" ({', '.join(places)})" if places else ""


def test_every_extracted_message_has_a_ukrainian_translation(extracted: Catalog) -> None:
    ukrainian = _catalogue("uk")
    problems = []
    for message in _messages(extracted):
        translated = ukrainian.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"not in the catalogue: {message.id!r}{_where(message)}")
        elif translated.fuzzy:
            problems.append(f"fuzzy (check it, then remove the flag): {message.id!r}{_where(message)}")
        elif not all(_strings(translated)) or len(_strings(translated)) != (
            ukrainian.num_plurals if message.pluralizable else 1
        ):
            problems.append(f"not translated: {message.id!r}{_where(message)}")
    assert not problems, (
        f"{len(problems)} message(s) lack a Ukrainian translation. Run .venv/bin/python scripts/update_catalogues.py "
        "and translate them in locale/uk/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems)
    )


def test_extraction_reads_every_source_file_that_marks_messages(extracted: Catalog) -> None:
    # Guards the extraction set-up itself: babel's default directory filter silently skips folders whose
    # names start with "_" (templates/_partials), and a broken mapping would skip whole folders.
    marking = {
        path.relative_to(ROOT).as_posix()
        for folder, pattern in (("app", "*.py"), ("templates", "*.html"))
        for path in (ROOT / folder).rglob(pattern)
        if "__pycache__" not in path.parts and GETTEXT_CALL.search(path.read_text(encoding="utf-8"))
    }
    marking.discard("app/platform/i18n.py")  # defines the functions; marks nothing
    seen = {filename for message in _messages(extracted) for filename, _lineno in message.locations}
    assert not marking - seen, f"files with marked messages that extraction missed: {sorted(marking - seen)}"


def _formats(text: str, params: dict[str, int]) -> bool:
    try:
        text % params  # noqa: B018
    except (ValueError, TypeError, KeyError):
        return False
    return True


@pytest.mark.parametrize("locale", ["uk", "en"])
def test_translations_keep_the_placeholders_of_their_message(locale: str) -> None:
    problems = []
    for message in _messages(_catalogue(locale)):
        if message.fuzzy:
            continue  # not used at run time; the test above asks for it to be checked
        expected = sorted({p for text in _ids(message) for p in PLACEHOLDER.findall(text)})
        params = dict.fromkeys(expected, 1)
        formats = _formats(message.id if isinstance(message.id, str) else message.id[-1], params)
        for text in _strings(message):
            if not text:
                continue
            found = sorted(set(PLACEHOLDER.findall(text)))
            if found != expected:
                problems.append(f"{message.id!r}: {text!r} has {found}, expected {expected}")
                continue
            if formats and not _formats(text, params):
                problems.append(f"{message.id!r}: {text!r} does not format (a stray %? write %% for a percent sign)")
    assert not problems, f"{locale} translations with wrong placeholders:\n  " + "\n  ".join(problems)


def test_template_messages_are_valid_format_strings(extracted: Catalog) -> None:
    # Jinja2's newstyle gettext always applies ``%`` formatting, even without parameters, so a bare "%" in a
    # template message raises at render time (a 500). Write "%%" for a percent sign.
    problems = []
    for message in _messages(extracted):
        templates = sorted({name for name, _lineno in message.locations if name.endswith(".html")})
        if not templates:
            continue
        for text in _ids(message):
            if not _formats(text, dict.fromkeys(PLACEHOLDER.findall(text), 1)):
                problems.append(f"{text!r} ({', '.join(templates)})")
    assert not problems, "template messages that fail to format (write %% for a percent sign):\n  " + "\n  ".join(
        problems
    )


def test_ukrainian_catalogue_has_three_plural_forms() -> None:
    ukrainian = _catalogue("uk")
    assert ukrainian.num_plurals == 3
    # Compare the rule by what it does, not its text: CLDR releases spell the same rule differently.
    import gettext

    ours = gettext.c2py(ukrainian.plural_expr)
    cldr = gettext.c2py(get_plural("uk").plural_expr)
    assert [ours(n) for n in range(250)] == [cldr(n) for n in range(250)]


def test_catalogues_hold_the_same_messages() -> None:
    ukrainian = {_key(message) for message in _messages(_catalogue("uk"))}
    english = {_key(message) for message in _messages(_catalogue("en"))}
    assert ukrainian == english, (
        "locale/uk and locale/en are out of step; run .venv/bin/python scripts/update_catalogues.py: "
        f"only in uk {sorted(map(str, ukrainian - english))}, only in en {sorted(map(str, english - ukrainian))}"
    )


@pytest.fixture
def restore_locale() -> Iterator[None]:
    before = i18n.get_locale()
    yield
    i18n.set_locale(before)


@pytest.mark.usefixtures("restore_locale")
def test_messages_are_shown_in_ukrainian_by_default_and_in_english_on_request() -> None:
    i18n.set_locale("uk")
    assert i18n.gettext("Sign in") == "Увійти"
    assert i18n.gettext("Sign out") == "Вийти"
    assert i18n.gettext("Page %(page)s of %(pages)s", page=2, pages=5) == "Сторінка 2 з 5"

    i18n.set_locale("en")
    assert i18n.gettext("Sign in") == "Sign in"
    assert i18n.gettext("Page %(page)s of %(pages)s", page=2, pages=5) == "Page 2 of 5"

    i18n.set_locale("xx")
    assert i18n.get_locale() == "uk"
    assert i18n.gettext("Sign in") == "Увійти"


@pytest.mark.usefixtures("restore_locale")
def test_plural_messages_take_the_ukrainian_form_for_the_number() -> None:
    plurals = [m for m in _messages(_catalogue("uk")) if m.pluralizable and not m.fuzzy and all(_strings(m))]
    if not plurals:
        pytest.skip("no plural messages yet")
    for message in plurals:
        singular, plural = message.id
        i18n.set_locale("uk")
        # one: 1, 21; few: 2-4, 22; many: 0, 5-20, 11
        for n, form in ((1, 0), (21, 0), (3, 1), (22, 1), (5, 2), (11, 2), (0, 2)):
            assert i18n.translate_plural(singular, plural, n) == message.string[form], (message.id, n)
        i18n.set_locale("en")
        assert i18n.translate_plural(singular, plural, 1) == singular
        assert i18n.translate_plural(singular, plural, 5) == plural


@pytest.mark.usefixtures("restore_locale")
def test_templates_render_messages_from_the_catalogue() -> None:
    from app.asgi import jinja_environment

    template = jinja_environment().from_string(
        '{{ _("Hromadas") }} | {{ _("Page %(page)s of %(pages)s", page=3, pages=7) }}'
    )
    i18n.set_locale("uk")
    assert template.render() == "Громади | Сторінка 3 з 7"
    i18n.set_locale("en")
    assert template.render() == "Hromadas | Page 3 of 7"
