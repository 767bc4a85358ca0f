"""User administration: create, enable, disable, reset password, role and scope (issue 16, point 9).

:class:`StoreUsersAdmin` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.
"""

from __future__ import annotations


class StoreUsersAdmin:
    """Methods mixed into :class:`~assessment.store.service.Store`."""
