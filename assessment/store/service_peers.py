"""Anonymised peer statistics for officials' checks and region pages (issue 16, point 5).

:class:`StorePeers` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.
"""

from __future__ import annotations


class StorePeers:
    """Methods mixed into :class:`~assessment.store.service.Store`."""
