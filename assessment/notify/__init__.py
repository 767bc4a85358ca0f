"""E-mail notifications (issue 16, point 2): the SMTP settings, the mail texts and sending. Pure Python
(``smtplib`` and ``email.message``); the outbox that queues the mails lives in
:mod:`assessment.store.notifications`.

Off by default: nothing is queued or sent until an administrator switches ``notify.enabled`` on and
gives an SMTP host. The password comes only from the environment (``ASSESSMENT_SMTP_PASSWORD``): it
is never stored in the database nor shown.

May import :mod:`assessment.domain` only (the texts come from its ``i18n``); the store imports this
package, never the other way round.
"""

from assessment.notify.config import SETTING_KEYS, SmtpConfig, config_from_settings
from assessment.notify.mail import compose, message
from assessment.notify.smtp import send

__all__ = ["SETTING_KEYS", "SmtpConfig", "compose", "config_from_settings", "message", "send"]
