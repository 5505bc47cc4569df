"""Tables of one feature: Microsoft Teams (issue 5).

Created by its own migration, which branches from revision 0002.
"""

from __future__ import annotations
