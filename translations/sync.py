"""Bring the catalogues up to date with the code, add Dutch translations, compile.

    python translations/sync.py                     # extract, update, compile
    python translations/sync.py new-strings.json    # ... and fill these Dutch translations

The JSON maps an English msgid to its Dutch text; a plural msgid (the singular as key) maps to
a list [singular, plural]. Strings no longer in the code are dropped, and no fuzzy guesses are
made: a string without a Dutch translation stays empty, which tests/unit/test_catalogues.py
reports by name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LANGUAGES = ("nl", "en")


def run(*args: str) -> None:
    subprocess.run(["pybabel", "-q", *args], cwd=ROOT, check=True)


def fill(translations: dict[str, str | list[str]]) -> list[str]:
    """Write the given Dutch texts into the nl catalogue; returns the msgids not found."""
    path = HERE / "nl" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for msgid, text in translations.items():
        message = catalog.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        message.string = tuple(text) if isinstance(text, list) else text
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return missing


def compile_all() -> None:
    for language in LANGUAGES:
        folder = HERE / language / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        # An untranslated plural is a tuple of empty strings, which write_mo would keep (and
        # ngettext would then answer ""): leave it out, so that the English text is used.
        for message in list(catalog):
            if message.id and isinstance(message.string, tuple) and not any(message.string):
                catalog.delete(message.id, context=message.context)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)


def main(argv: list[str]) -> int:
    run(
        "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--omit-header",
        "-o", "translations/messages.pot", ".",
    )  # fmt: skip
    run(
        "update", "-i", "translations/messages.pot", "-d", "translations",
        "--no-fuzzy-matching", "--ignore-obsolete", "-w", "100",
    )  # fmt: skip
    if argv:
        missing = fill(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
        for msgid in missing:
            print(f"not in the code: {msgid!r}", file=sys.stderr)
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
