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


def load_framework_file(path: str | Path) -> Framework:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkError(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(str(path), "", f"cannot be read ({exc})") from None
    return parse_framework_yaml(text, str(path))


class FrameworkCatalogue:
    """Every framework available, by id; loaded once, validated up front."""

    def __init__(self, frameworks: dict[str, Framework], default: str) -> None:
        self._frameworks = frameworks
        if default not in frameworks:
            known = ", ".join(sorted(frameworks)) or "none"
            raise FrameworkError("app.yaml", "frameworks.default", f"no framework {default!r} (available: {known})")
        self.default = default

    @classmethod
    def load(cls, extra_paths: list[str] | tuple[str, ...] = (), default: str = "efficient-councils") -> FrameworkCatalogue:
        frameworks: dict[str, Framework] = {}
        for entry in sorted(resources.files(BUILT_IN_PACKAGE).iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                framework = parse_framework_yaml(entry.read_text(encoding="utf-8"), entry.name)
                frameworks[framework.id] = framework
        for raw in extra_paths:
            path = Path(raw)
            files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
            for file in files:
                framework = load_framework_file(file)
                frameworks[framework.id] = framework
        return cls(frameworks, default)

    def get(self, framework_id: str | None = None) -> Framework:
        framework_id = framework_id or self.default
        try:
            return self._frameworks[framework_id]
        except KeyError:
            known = ", ".join(sorted(self._frameworks))
            raise NotFound(f"There is no framework called {framework_id!r}. Available: {known}.") from None

    def ids(self) -> list[str]:
        return sorted(self._frameworks)
