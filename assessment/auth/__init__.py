"""Sign-in and accounts: who is acting (DESIGN 3 "User" and "Session", DESIGN 7).

Owns password hashing and sign-in with throttling and idle timeout, single sign-on mapping and the
demo sign-ins (:mod:`.signin`), and account management by administrators: create, reset, disable,
link an identity (:mod:`.accounts`). The rules of who may do what live lower, in
:mod:`assessment.domain.access`, and are enforced by every store call; this package only
establishes the acting user. May import :mod:`assessment.domain` and :mod:`assessment.store`.
"""
