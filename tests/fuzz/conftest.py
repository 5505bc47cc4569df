"""Hypothesis for the fuzz tests: one profile, so their budget is set in one place.

`accord` (the default) keeps `make test` quick: each test sets a modest `max_examples`, no
deadline (the first example of a test that talks HTTP pays for warming up), and no example
database (nothing is written into the working tree; a failure prints the seed and a blob to
reproduce it with `@reproduce_failure`). `HYPOTHESIS_PROFILE=long` runs ten times the
examples, for a deliberate session of fuzzing:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/fuzz
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches (Unicode tables) in a .hypothesis folder; keep it out of the working tree.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "accord-hypothesis"))

# The tests share one server or database across a test's examples on purpose (starting one per
# example would spend the budget on start-up), so the function-scoped fixture check is off.
_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("accord", **_COMMON)
settings.register_profile("long", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "accord"))


def budget(examples: int) -> int:
    """A test's own number of examples, times ten under the `long` profile."""
    return examples * (10 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1)
