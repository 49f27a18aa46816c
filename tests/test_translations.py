"""The Indonesian catalog is complete, has no fuzzy entries and is in sync with the code."""
import os
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO = os.path.join(ROOT, "translations", "id", "LC_MESSAGES", "messages.po")


def _catalog():
    with open(PO, "rb") as fh:
        return read_po(fh)


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalog = _catalog()
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def _extracted(tmp_path):
    """The msgids of the code: the app, translations/extra (strings only known at run time) and FAB."""
    import flask_appbuilder

    pot = tmp_path / "messages.pot"
    subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "pybabel"), "-q", "extract", "-F", "translations/babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "__",
         "--no-location", "-o", str(pot), "app", "translations/extra", os.path.dirname(flask_appbuilder.__file__)],
        cwd=ROOT, check=True)
    with open(pot, "rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def test_catalog_is_in_sync_with_the_code(tmp_path):
    extracted = _extracted(tmp_path)
    catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    missing = sorted(extracted - catalog)
    assert missing == [], f"run `make update-messages` and translate: {missing[:20]}"
    # and no entry the code no longer says (a reworded or removed message): a string shown at run time
    # only (a WTForms message, a FAB help text) is listed in translations/extra/runtime_strings.py
    unused = sorted(catalog - extracted)
    assert unused == [], f"remove these entries from messages.po: {unused[:20]}"


def test_placeholders_survive_translation():
    import re

    for message in _catalog():
        if message.id and isinstance(message.id, str):
            assert sorted(re.findall(r"%\(\w+\)\w", message.id)) == sorted(re.findall(r"%\(\w+\)\w", message.string)), message.id
