"""The frameworks a team can choose from: the ones shipped with Accord plus `frameworks.paths`.

Reading files is I/O, so it happens here; validating them is the engine's job
(`engine.framework.parse_framework_yaml`), which names the file, the key and the problem.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from engine.errors import FrameworkError, NotFound
from engine.framework import Framework, parse_framework_yaml

BUILT_IN_PACKAGE = "bot.frameworks"
FRAMEWORK_SUFFIXES = (".yaml", ".yml")


def framework_files(path: str | Path) -> list[Path]:
    """The framework files a path names: the file itself, or every .yaml and .yml file in a folder."""
    path = Path(path)
    if path.is_dir():
        return sorted(file for file in path.iterdir() if file.suffix in FRAMEWORK_SUFFIXES and file.is_file())
    return [path]


def built_in_frameworks() -> dict[str, Framework]:
    """The frameworks shipped with Accord, by id."""
    frameworks: dict[str, Framework] = {}
    for entry in sorted(resources.files(BUILT_IN_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(FRAMEWORK_SUFFIXES):
            framework = parse_framework_yaml(entry.read_text(encoding="utf-8"), entry.name)
            frameworks[framework.id] = framework
    return frameworks


def load_framework_file(path: str | Path) -> Framework:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkError(str(path), "", "no such file") from None
    except IsADirectoryError:
        raise FrameworkError(str(path), "", "is a folder with no .yaml or .yml file in it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(str(path), "", f"cannot be read ({exc})") from None
    return parse_framework_yaml(text, str(path))


class FrameworkCatalogue:
    """Every framework available, by id; loaded once, validated up front."""

    def __init__(self, frameworks: dict[str, Framework], default: str, shadowing: dict[str, Path] | None = None) -> None:
        self._frameworks = frameworks
        #: Built-in ids replaced by a file of `frameworks.paths` (the id -> that file).
        self.shadowing: dict[str, Path] = dict(shadowing or {})
        if default not in frameworks:
            known = ", ".join(sorted(frameworks)) or "none"
            raise FrameworkError("app.yaml", "frameworks.default", f"no framework {default!r} (available: {known})")
        self.default = default

    @classmethod
    def load(cls, extra_paths: list[str] | tuple[str, ...] = (), default: str = "efficient-councils") -> FrameworkCatalogue:
        frameworks = built_in_frameworks()
        built_in = set(frameworks)
        shadowing: dict[str, Path] = {}
        for raw in extra_paths:
            for file in framework_files(raw):
                framework = load_framework_file(file)
                if framework.id in built_in:
                    shadowing[framework.id] = file
                frameworks[framework.id] = framework
        return cls(frameworks, default, shadowing)

    def get(self, framework_id: str | None = None) -> Framework:
        framework_id = framework_id or self.default
        try:
            return self._frameworks[framework_id]
        except KeyError:
            known = ", ".join(sorted(self._frameworks))
            raise NotFound(f"There is no framework called {framework_id!r}. Available: {known}.") from None

    def ids(self) -> list[str]:
        return sorted(self._frameworks)
