"""The living demo book built by ``microloan demo`` (a plain package, not a Django app).

- ``behaviour``: how each borrower pays (pure, seeded).
- ``onboarding``: registration, application, manual review, contracts signed, payout.
- ``servicing``: auto-debit answers, payments by hand, payoffs, collections, write-offs.
- ``book``: the day loop over months of real end of day, progress and the summary.
- ``staff``: the demo logins as actors.
"""
