"""Tables of one feature: Reports over time and comparison with similar organisations (issue 7).

Created by its own migration, which branches from revision 0002.
"""

from __future__ import annotations
