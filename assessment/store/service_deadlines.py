"""Deadlines per jurisdiction, reminders, notifications and the to-do lists (issue 16, points 2, 3).

:class:`StoreDeadlines` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.
"""

from __future__ import annotations


class StoreDeadlines:
    """Methods mixed into :class:`~assessment.store.service.Store`."""
