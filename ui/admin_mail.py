"""E-mail notifications on the administration page (issue 16, point 2): the SMTP settings (stored
in ``settings``; the password only from ``ASSESSMENT_SMTP_PASSWORD``, never stored or shown), the
users' e-mail addresses, buttons to send what is queued, send the deadline reminders and a test
message, and the newest outbox rows."""

from __future__ import annotations

import os

import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.notify import config as keys
from assessment.notify.times import beijing_text
from assessment.store.service import Store
from assessment.store.users import User
from ui.safe import md
from ui.state import tr, tr_plain

FLASH = "admin_mail_flash"


def _error(err: DataFileError, lang: str) -> None:
    st.error(md(err.messages(lang), lines=True))


def mail_panel(store: Store, user: User, lang: str) -> None:
    """Draw the notification settings, e-mail addresses, actions and outbox."""
    actor = user.username
    st.divider()
    st.subheader(tr("mail.title"))
    for text in st.session_state.pop(FLASH, []):
        st.success(text)
    st.caption(tr("mail.caption"))
    try:
        now = store.notification_settings(actor)
    except DataFileError as err:
        _error(err, lang)
        return
    with st.form("admin_mail_form"):
        enabled = st.checkbox(tr("mail.enabled"), value=keys.flag(now[keys.ENABLED]), key="mail_enabled")
        c1, c2, c3 = st.columns([3, 1, 3])
        host = c1.text_input(tr("mail.host"), value=now[keys.HOST], key="mail_host")
        port = c2.text_input(tr("mail.port"), value=now[keys.PORT], key="mail_port")
        sender = c3.text_input(tr("mail.sender"), value=now[keys.SENDER], key="mail_sender")
        c4, c5, c6 = st.columns([3, 1, 3])
        username = c4.text_input(tr("mail.username"), value=now[keys.USERNAME], key="mail_username")
        days = c5.text_input(tr("mail.remind_days"), value=now[keys.REMIND_DAYS], key="mail_days")
        url = c6.text_input(tr("mail.app_url"), value=now[keys.APP_URL], key="mail_url")
        starttls = st.checkbox(tr("mail.starttls"), value=keys.flag(now[keys.STARTTLS]), key="mail_starttls")
        has_password = bool(os.environ.get(keys.PASSWORD_ENV))
        key = "mail.password_set" if has_password else "mail.password_unset"
        st.caption(tr_plain(key, env=keys.PASSWORD_ENV))  # a constant name, shown as code (`...`)
        save = st.form_submit_button(tr("mail.save"))
    if save:
        values = {
            keys.ENABLED: "1" if enabled else "0",
            keys.HOST: host,
            keys.PORT: port,
            keys.SENDER: sender,
            keys.USERNAME: username,
            keys.REMIND_DAYS: days,
            keys.APP_URL: url,
            keys.STARTTLS: "1" if starttls else "0",
        }
        try:
            store.set_notification_settings(actor, values)
        except DataFileError as err:
            _error(err, lang)  # the form keeps what was typed (keyed widgets)
        else:
            st.session_state[FLASH] = [tr("mail.saved")]
            st.rerun()
    _addresses(store, actor, lang)
    _actions(store, actor, lang)
    _outbox(store, actor, lang)


def _addresses(store: Store, actor: str, lang: str) -> None:
    people = [u for u in store.users() if u.username != "system"]
    if not people:
        return
    with st.form("admin_mail_address"):
        st.markdown(f"**{tr('mail.address_title')}**")
        c1, c2 = st.columns(2)
        names = [u.username for u in people]
        none = tr_plain("mail.no_address")
        labels = {u.username: f"{u.username} · {u.email or none}" for u in people}
        who = c1.selectbox(
            tr("mail.address_user"),
            names,
            format_func=labels.__getitem__,
            key="mail_address_user",
        )
        address = c2.text_input(
            tr("mail.address"), key="mail_address_value", placeholder="wang@example.gov.cn"
        )
        go = st.form_submit_button(tr("mail.address_save"))
    if go and who:
        try:
            store.set_user_email(actor, str(who), address)
        except DataFileError as err:
            _error(err, lang)
        else:
            st.session_state[FLASH] = [tr("mail.address_saved", user=str(who))]
            st.rerun()


def _actions(store: Store, actor: str, lang: str) -> None:
    c1, c2 = st.columns(2)
    if c1.button(tr("mail.send_now"), key="mail_send_now"):
        try:
            done = store.send_notifications(actor)
        except DataFileError as err:
            _error(err, lang)
        else:
            st.success(tr("mail.sent", **done))
    if c2.button(tr("mail.remind_now"), key="mail_remind_now"):
        try:
            done = store.remind(actor)
        except DataFileError as err:
            _error(err, lang)
        else:
            st.success(tr("mail.reminded", **done))
    c3, c4 = st.columns([3, 1])
    to = c3.text_input(tr("mail.test_to"), key="mail_test_to", placeholder="admin@example.gov.cn")
    if c4.button(tr("mail.test_send"), key="mail_test_send") and to:
        try:
            failed = store.send_test_mail(actor, to)
        except DataFileError as err:
            _error(err, lang)
        else:
            if failed is None:
                st.success(tr("mail.test_ok", to=to))
            else:
                st.error(tr("mail.test_failed", error=failed))


def _outbox(store: Store, actor: str, lang: str) -> None:
    box = store.outbox(actor, limit=50)
    if box.empty:
        st.caption(tr("mail.outbox_empty"))
        return
    shown = box.assign(
        created_at=[beijing_text(v) for v in box["created_at"]],
        sent_at=[beijing_text(v) if v is not None and v == v else "" for v in box["sent_at"]],
        status=[tr_plain(f"mail.status.{s}") for s in box["status"]],
        kind=[tr_plain(f"mail.kind.{k}") for k in box["kind"]],
        last_error=box["last_error"].fillna(""),
        region_code=box["region_code"].fillna(""),
    )
    cols = [
        "created_at",
        "kind",
        "region_code",
        "recipient",
        "email",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    shown = shown[cols]
    shown.columns = [tr_plain(f"mail.col.{c}") for c in cols]
    st.markdown(f"**{tr('mail.outbox_title')}**")
    st.dataframe(shown, hide_index=True, key="mail_outbox")
