"""Tables of one feature: The scheduler: reminders, digests and deadlines (issue 6).

Created by its own migration, which branches from revision 0002.
"""

from __future__ import annotations
