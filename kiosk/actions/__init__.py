"""Use cases: plain functions shared by the screens and the command line.

Each takes the signed-in person (:class:`kiosk.session.SignedIn`) and plain values, runs
the domain's rules (which check everything again), and returns typed plain data: a
dataclass or a string to show. They run in a worker thread (``DbWork.db``) or in the
CLI; they never import Textual, a screen, a dialog or the app (an import contract in
pyproject.toml). Modules by area: ``custody`` (hand-in, release, a phone's history and
the actions on it), ``visitors``, ``agreed`` (agreed exceptions), ``safeguarding``
(the DSL's feed and concerns), ``reports`` (home, compliance, uncollected),
``accounts`` and ``access`` (signing in, unlocking, the admin PIN); and for what the
command line does beyond the screens: ``admin`` (staff accounts, phones and labels, the
roster, the print outbox), ``records`` (backup, retention, subject access, erasure, the
audit log) and ``listings`` (the open read-only reports, which take no one signed in).
"""
