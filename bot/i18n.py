"""The message catalogues: extract the words from the code, keep the translations, compile them.

Every word a person reads is written in English in the code and wrapped in `_`, `ngettext` or
`N_` (engine/language.py). Babel extracts them (`babel.cfg` names the files), the Welsh are kept
in ``bot/locale/cy/LC_MESSAGES/accord.po``, and the compiled ``accord.mo`` beside it is committed
and shipped as package data: nothing is compiled at run time. `install` loads the compiled
catalogues and registers them with the engine, once, when the application is built.

    python -m bot.i18n extract    the words in the code -> bot/locale/accord.pot
    python -m bot.i18n update     merge them into each language's .po (new ones empty, gone ones dropped)
    python -m bot.i18n compile    each .po -> its .mo (refused while a translation is missing or broken)
    python -m bot.i18n check      say what is missing or broken, without writing anything

`problems` is the catalogue test's check (tests/unit/test_catalogue.py); docs/welsh.md says how
to add a string.
"""

from __future__ import annotations

import io
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from engine.language import WELSH, register_catalogue

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "accord"
TRANSLATED = (WELSH,)  # English is the code's own words
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2), "NC_": ((1, "c"), 2)}
SOURCES = ("engine", "bot", "adapters")  # storage/ says nothing to people
WELSH_PLURALS = 6  # CLDR: zero, one, two, few, many, other

_installed = False


def install() -> None:
    """Register the compiled catalogues with the engine; once per process (bot/app.py `build`)."""
    global _installed
    if _installed:
        return
    for language in TRANSLATED:
        if (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").exists():
            register_catalogue(language, Translations.load(str(LOCALE_DIR), [language], DOMAIN))
    _installed = True


# ----------------------------------------------------------------- the tooling


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def extract() -> Catalog:
    """Every message wrapped in the code, with where it is, as `pybabel extract` finds them."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    template = Catalog(project="Accord", domain=DOMAIN, charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT / source), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            template.add(message, None, [(f"{source}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


def compiled(catalogue: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def _names(text: str) -> set[str]:
    """The named placeholders of a message: "{count} votes" -> {"count"}."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # an unbalanced brace: a broken translation
        return {"<unbalanced brace>"}


def _forms(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def problems(template: Catalog, translations: Catalog, plurals: int = WELSH_PLURALS) -> list[str]:
    """What is missing or broken in `translations` for the messages of `template`; empty when complete."""
    found: list[str] = []
    for wanted in template:
        if not wanted.id:
            continue
        key = wanted.id if not isinstance(wanted.id, (list, tuple)) else wanted.id[0]
        translated = translations.get(key, context=wanted.context)
        if translated is None or not translated.string:
            found.append(f"missing: {key!r}")
            continue
        if translated.fuzzy:
            found.append(f"fuzzy: {key!r}")
            continue
        strings = tuple(translated.string) if isinstance(translated.string, (list, tuple)) else (translated.string,)
        if wanted.pluralizable and len(strings) != plurals:
            found.append(f"{len(strings)} plural forms instead of {plurals}: {key!r}")
        if any(not text for text in strings):
            found.append(f"missing: {key!r} (a plural form is empty)")
            continue
        names = set().union(*(_names(form) for form in _forms(wanted)))
        for text in strings:
            if _names(text) != names:
                found.append(f"placeholders {sorted(_names(text))} instead of {sorted(names)}: {key!r} -> {text!r}")
    return found


def _write_po(catalogue: Catalog, path: Path) -> None:
    with path.open("wb") as file:
        write_po(file, catalogue, width=100, sort_output=False, include_previous=False)


def _command(argv: Iterable[str]) -> int:
    args = list(argv)
    what = args[0] if args else ""
    template = extract()
    if what == "extract":
        _write_po(template, LOCALE_DIR / f"{DOMAIN}.pot")
        print(f"{len(template)} messages -> {LOCALE_DIR / f'{DOMAIN}.pot'}")
        return 0
    if what == "update":
        for language in TRANSLATED:
            catalogue = read(language)
            catalogue.update(template, no_fuzzy_matching=True)
            catalogue.obsolete.clear()
            _write_po(catalogue, po_path(language))
            print(f"{language}: {len(catalogue)} messages, {len(problems(template, catalogue))} to translate")
        return 0
    if what in ("check", "compile"):
        failed = False
        for language in TRANSLATED:
            catalogue = read(language)
            found = problems(template, catalogue)
            for problem in found:
                print(f"{language}: {problem}", file=sys.stderr)
            failed = failed or bool(found)
            if what == "compile" and not found:
                mo_path(language).write_bytes(compiled(catalogue))
                print(f"{language}: compiled {mo_path(language)}")
        return 1 if failed else 0
    print("usage: python -m bot.i18n extract|update|compile|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_command(sys.argv[1:]))
