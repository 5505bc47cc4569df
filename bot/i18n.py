"""The message catalogues: Welsh from bot/locale, registered with `engine.language` once.

The compiled catalogue (`accord.mo`) ships in the package beside its source (`accord.po`);
nothing is compiled at run time. English needs none: the code's words are English.
"""

from __future__ import annotations

import threading
from importlib.resources import files

from babel.support import Translations

from engine.language import WELSH, register_catalogue

DOMAIN = "accord"
_installed = False
_lock = threading.Lock()


def install() -> None:
    """Register every shipped catalogue (idempotent; cheap after the first call)."""
    global _installed
    with _lock:
        if _installed:
            return
        locale_dir = str(files("bot").joinpath("locale"))
        catalogue = Translations.load(locale_dir, [WELSH], DOMAIN)
        if isinstance(catalogue, Translations):  # a NullTranslations means no compiled Welsh: English stands in
            register_catalogue(WELSH, catalogue)
        _installed = True
