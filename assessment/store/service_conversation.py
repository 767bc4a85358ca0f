"""Replies to returns and value queries (issue 16, points 1, 4, 6).

:class:`StoreConversation` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.
"""

from __future__ import annotations


class StoreConversation:
    """Methods mixed into :class:`~assessment.store.service.Store`."""
