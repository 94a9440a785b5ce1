"""Extract translatable messages and update the babel catalogues under locale/.

Run from anywhere:

    .venv/bin/python scripts/update_catalogues.py          # extract, then update locale/uk and locale/en
    .venv/bin/python scripts/update_catalogues.py --check  # exit 1 when a Ukrainian translation is missing

Extraction follows babel.cfg (Python sources under app/, Jinja2 templates under templates/) with the keywords
``_``, ``N_`` and ``gettext`` (and babel's other standard ones, for plural forms). The template goes to
locale/messages.pot; each language's locale/<lang>/LC_MESSAGES/messages.po is created when missing and
otherwise updated in place: existing translations are kept, changed messages get a fuzzy guess (a fuzzy
entry is not used until a person checks it and removes the flag), and a message that comes back after being
removed gets its old translation back. Files whose content did not change apart from their dates are left
untouched, so a run without new messages leaves no diff.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING_FILE = ROOT / "babel.cfg"
LOCALE_DIR = ROOT / "locale"
LOCALES = ("uk", "en")
DOMAIN = "messages"

# babel's standard keywords (gettext, ngettext, pgettext, ...) plus the project's own markers.
KEYWORDS: dict[str, object] = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "gettext": None}
COMMENT_TAGS = ("Translators:",)

PROJECT = "ASC Rounds"
VERSION = "0.1.0"
COPYRIGHT_HOLDER = "ASC Rounds contributors"
LANGUAGE_TEAMS = {"uk": "Ukrainian", "en": "English"}
HEADER_COMMENT = """\
# %(title)s for PROJECT.
# Copyright (C) YEAR ASC Rounds contributors
# This file is distributed under the same license as the PROJECT project (MIT).
# Update it with: .venv/bin/python scripts/update_catalogues.py
#"""

# Directories never scanned. babel's own default also skips every directory whose name starts with "_",
# which would miss templates/_partials, so the filter is spelled out here.
SKIPPED_DIRS = ("__pycache__", "node_modules")

_DATE_LINE = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.MULTILINE)


def _directory_filter(dirpath: str) -> bool:
    name = Path(dirpath).name
    return not name.startswith(".") and name not in SKIPPED_DIRS


def extract(root: Path = ROOT, mapping_file: Path | None = None) -> Catalog:
    """Every message marked in the sources under ``root``, as a template catalogue."""
    mapping_file = mapping_file or root / "babel.cfg"
    with mapping_file.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename=str(mapping_file))
    template = Catalog(
        project=PROJECT,
        version=VERSION,
        copyright_holder=COPYRIGHT_HOLDER,
        charset="utf-8",
        fuzzy=False,
        header_comment=HEADER_COMMENT % {"title": "Message template"},
        msgid_bugs_address="",
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=_directory_filter,
    ):
        template.add(
            message,
            None,
            [(Path(filename).as_posix(), lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def new_catalogue(locale: str, template: Catalog) -> Catalog:
    catalogue = Catalog(
        locale=locale,
        domain=DOMAIN,
        project=PROJECT,
        version=VERSION,
        copyright_holder=COPYRIGHT_HOLDER,
        charset="utf-8",
        fuzzy=False,
        header_comment=HEADER_COMMENT % {"title": f"{LANGUAGE_TEAMS[locale]} messages"},
        msgid_bugs_address="",
        last_translator=COPYRIGHT_HOLDER,
        language_team=LANGUAGE_TEAMS[locale],
    )
    catalogue.update(template)
    return catalogue


def updated_catalogue(po_path: Path, locale: str, template: Catalog) -> Catalog:
    """The catalogue at ``po_path`` brought up to date with ``template``, keeping its translations."""
    if not po_path.exists():
        return new_catalogue(locale, template)
    with po_path.open("rb") as fileobj:
        catalogue = read_po(fileobj, locale=locale, domain=DOMAIN)
    # A message that was removed and has come back gets its old translation back.
    for message in list(catalogue.obsolete.values()):
        if catalogue.get(message.id, context=message.context) is None:
            catalogue[message.id] = message
    catalogue.obsolete.clear()
    catalogue.update(template, update_header_comment=False)
    catalogue.fuzzy = False
    return catalogue


def save(po_path: Path, catalogue: Catalog) -> bool:
    """Write the catalogue when its messages changed; the revision date then says when."""
    catalogue.revision_date = datetime.now(UTC)
    return write_if_changed(po_path, render(catalogue))


def render(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalogue,
        width=100,
        omit_header=False,
        include_lineno=False,
        ignore_obsolete=False,
        include_previous=True,
    )
    return buffer.getvalue()


def write_if_changed(path: Path, content: bytes) -> bool:
    """Write ``content`` unless the file already says the same apart from its date lines."""
    if path.exists() and _DATE_LINE.sub(b"", path.read_bytes()) == _DATE_LINE.sub(b"", content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def untranslated(catalogue: Catalog) -> list[str]:
    """Message ids with no usable translation: empty, partly empty plural forms, or fuzzy."""
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a Ukrainian translation is missing")
    args = parser.parse_args(argv)

    template = extract()
    changed = write_if_changed(LOCALE_DIR / f"{DOMAIN}.pot", render(template))
    print(f"{len(template)} messages extracted{' (template updated)' if changed else ''}")

    missing_uk: list[str] = []
    for locale in LOCALES:
        po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        catalogue = updated_catalogue(po_path, locale, template)
        changed = save(po_path, catalogue)
        state = "updated" if changed else "unchanged"
        if locale == "en":
            # English messages are the msgids themselves; an empty msgstr falls back to them.
            print(f"{locale}: {po_path.relative_to(ROOT)} {state}, {len(catalogue)} messages")
            continue
        missing = untranslated(catalogue)
        missing_uk = missing
        print(f"{locale}: {po_path.relative_to(ROOT)} {state}, {len(catalogue)} messages, {len(missing)} untranslated")

    if missing_uk:
        print("\nMissing or fuzzy Ukrainian translations:")
        for msgid in missing_uk:
            print(f"  {msgid!r}")
    return 1 if args.check and missing_uk else 0


if __name__ == "__main__":
    sys.exit(main())
