"""``python -m assessment users add|list|disable|enable|reset-password``: accounts.

* ``users add USERNAME --role ROLE [--scope REGION_CODE] [--display-name X] [--identity IDENTITY]
  [--password-stdin | --no-password]``: without ``--password-stdin`` the password is asked twice
  (not echoed). There is never a default password: the first administrator is created this way.
  ``--no-password`` makes an account that can only sign in through single sign-on (``--identity``).
* ``users list [--json]``: every account (never the password hashes); administrators only;
  ``throttled`` marks an account whose name must wait after failed sign-ins.
* ``users disable USERNAME`` / ``users enable USERNAME``.
* ``users reset-password USERNAME [--password-stdin]``: a new password; clears any sign-in wait.
* ``users unlock USERNAME``: clears the failed sign-ins and sign-in wait of an account's name.
* ``users link USERNAME [IDENTITY]``: link a single sign-on identity (none: unlink).

A single sign-on IDENTITY is ``"ISSUER SUBJECT"`` -- the ``iss`` and ``sub`` claims of the
provider's ID token, one space between, both exact and case-sensitive -- or an e-mail address
(``email:ADDRESS`` or just ``ADDRESS``), which only matches a verified e-mail from an issuer listed
in ``$ASSESSMENT_SSO_EMAIL_ISSUERS``.

The acting user is ``--as`` (default ``$ASSESSMENT_USER``, else the built-in ``system`` account of
whoever runs the server); it must be allowed to manage users. The database is ``ASSESSMENT_DB_URL``.
Exit codes: 0 done, 1 refused (messages printed in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

from assessment.commands._common import actor_argument
from assessment.domain.i18n import both
from assessment.store.schema import ROLES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``users`` sub-command and its actions."""
    parser = subparsers.add_parser(
        "users",
        help="manage accounts / 管理用户账户",
        description=__doc__.split("\n\n")[0],
    )
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    def common(p: argparse.ArgumentParser) -> None:
        actor_argument(p)

    add = actions.add_parser("add", help="add an account / 添加账户")
    add.add_argument("username", help="user name / 用户名")
    add.add_argument("--role", required=True, choices=ROLES, help="role / 角色")
    add.add_argument("--scope", metavar="REGION_CODE", help="own region or jurisdiction / 本地区或管辖范围")
    add.add_argument("--display-name", default="", metavar="NAME", help="shown name / 显示名称")
    add.add_argument(
        "--identity",
        metavar="IDENTITY",
        help='single sign-on: "ISSUER SUBJECT" or an e-mail / 统一身份认证标识：“签发方 主体”或电子邮箱',
    )
    pw = add.add_mutually_exclusive_group()
    pw.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin / 从标准输入读密码"
    )
    pw.add_argument("--no-password", action="store_true", help="single sign-on only / 仅统一身份认证")
    common(add)
    add.set_defaults(func=run_add)

    lst = actions.add_parser("list", help="list accounts / 列出账户")
    lst.add_argument("--json", action="store_true", help="print JSON / 以 JSON 输出")
    common(lst)
    lst.set_defaults(func=run_list)

    for name, disabled, text in (
        ("disable", True, "disable an account / 停用账户"),
        ("enable", False, "enable an account / 启用账户"),
    ):
        p = actions.add_parser(name, help=text)
        p.add_argument("username")
        common(p)
        p.set_defaults(func=run_disable, disabled=disabled)

    reset = actions.add_parser("reset-password", help="set a new password / 重设密码")
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin / 从标准输入读密码"
    )
    common(reset)
    reset.set_defaults(func=run_reset)

    unlock = actions.add_parser("unlock", help="clear a sign-in wait / 解除登录等待")
    unlock.add_argument("username")
    common(unlock)
    unlock.set_defaults(func=run_unlock)

    link = actions.add_parser("link", help="link single sign-on / 关联统一身份认证")
    link.add_argument("username")
    link.add_argument(
        "identity", nargs="?", default=None, help='"ISSUER SUBJECT" or an e-mail; none: unlink / 省略则取消'
    )
    common(link)
    link.set_defaults(func=run_link)


def _actor(args: argparse.Namespace) -> str:
    from assessment.commands.import_ import default_actor

    return args.actor or default_actor()


def read_password(from_stdin: bool) -> str | None:
    """The new password: first line of stdin, or typed twice at a prompt. None (message printed)
    when it is empty or the two differ."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            print(both("auth.cli.password_empty"), file=sys.stderr)
            return None
        return password
    if not sys.stdin.isatty():
        print(both("auth.cli.no_tty"), file=sys.stderr)
        return None
    try:
        first = getpass.getpass(both("auth.cli.password_prompt") + ": ")
        second = getpass.getpass(both("auth.cli.password_again") + ": ")
    except (EOFError, KeyboardInterrupt):
        print(both("auth.cli.password_empty"), file=sys.stderr)
        return None
    if first != second:
        print(both("auth.cli.password_mismatch"), file=sys.stderr)
        return None
    return first


def run_add(args: argparse.Namespace) -> int:
    from assessment.auth.accounts import check_new_account, create_account
    from assessment.store import Store

    with Store() as store:
        check_new_account(store, _actor(args), args.username, args.role, args.scope, identity=args.identity)
        password = None
        if not args.no_password:
            password = read_password(args.password_stdin)
            if password is None:
                return 1
        user = create_account(
            store,
            _actor(args),
            args.username,
            args.role,
            args.scope,
            display_name=args.display_name,
            password=password,
            identity=args.identity,
        )
    print(both("auth.cli.added", username=user.username, role=user.role, scope=user.scope_region_code or "-"))
    return 0


def records(users: tuple, throttled: Mapping[str, datetime] | None = None) -> list[dict[str, object]]:
    """Accounts as JSON-ready dicts (no password hashes); ``throttled``: name -> end of its wait."""
    throttled = throttled or {}
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "scope_region_code": u.scope_region_code,
            "has_password": bool(u.password_hash),
            "external_identity": u.external_identity,
            "disabled": bool(u.disabled),
            "throttled_until": throttled[u.username].isoformat() if u.username in throttled else None,
            "created_at": u.created_at.isoformat() if u.created_at else None,
        }
        for u in users
    ]


def run_list(args: argparse.Namespace) -> int:
    from assessment.store import Store, accounts

    with Store() as store:
        store.authorize(_actor(args), "manage_users")  # accounts are the administrators' business
        found = store.users()
        with store.read() as conn:
            waits = accounts.throttled(conn, [u.username for u in found], datetime.now(UTC))
        rows = records(found, waits)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print(both("auth.cli.no_users"))
    else:
        for r in rows:
            flags = " ".join(
                f
                for f, on in (
                    ("disabled", r["disabled"]),
                    ("throttled", r["throttled_until"]),
                    ("password", r["has_password"]),
                    ("sso", r["external_identity"]),
                )
                if on
            )
            print(f"{r['username']:<24} {r['role']:<10} {r['scope_region_code'] or '-':<8} {flags}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from assessment.auth.accounts import set_disabled
    from assessment.store import Store

    with Store() as store:
        user = set_disabled(store, _actor(args), args.username, args.disabled)
    print(both("auth.cli.disabled" if user.disabled else "auth.cli.enabled", username=user.username))
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from assessment.auth.accounts import set_password
    from assessment.store import Store

    password = read_password(args.password_stdin)
    if password is None:
        return 1
    with Store() as store:
        set_password(store, _actor(args), args.username, password, reason="reset")
    print(both("auth.cli.password_set", username=args.username))
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    from assessment.auth.accounts import unthrottle
    from assessment.store import Store

    with Store() as store:
        cleared = unthrottle(store, _actor(args), args.username)
    print(both("auth.cli.unlocked" if cleared else "auth.cli.not_throttled", username=args.username))
    return 0


def run_link(args: argparse.Namespace) -> int:
    from assessment.auth.accounts import link_identity
    from assessment.store import Store

    with Store() as store:
        user = link_identity(store, _actor(args), args.username, args.identity)
    if user.external_identity:
        print(both("auth.cli.linked", username=user.username, identity=user.external_identity))
    else:
        print(both("auth.cli.unlinked", username=user.username))
    return 0
