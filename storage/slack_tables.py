"""Tables of one feature: Slack: OAuth installations (issue 4).

Created by its own migration, which branches from revision 0002.
"""

from __future__ import annotations
