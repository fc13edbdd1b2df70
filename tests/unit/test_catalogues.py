"""Every string the pages show has a Dutch translation, and the compiled catalogues that the
app loads say the same as the .po files they were compiled from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"


def _po(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _text(message):
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else message.string


def test_every_string_in_the_code_has_a_dutch_translation(extracted):
    dutch = _po("nl")
    untranslated = []
    for message in extracted:
        if not message.id:
            continue
        found = dutch.get(message.id)
        strings = found.string if found is not None else None
        ok = all(strings) if isinstance(strings, tuple) else bool(strings)
        if not ok or (found is not None and found.fuzzy):
            untranslated.append(_key(message))
    assert untranslated == [], "run translations/sync.py with their Dutch texts"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_compiled_catalogue_matches_its_po_file(language):
    source = {_key(m): _text(m) for m in _po(language) if m.id and not m.fuzzy}
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {_key(m): _text(m) for m in read_mo(handle) if m.id}
    wanted = {k: v for k, v in source.items() if v and (not isinstance(v, tuple) or all(v))}
    assert compiled == wanted, "run translations/sync.py to compile the catalogues"
