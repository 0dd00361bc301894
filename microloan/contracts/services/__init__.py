"""Contract use cases, one module per topic.

- ``offers``: create the line agreement and the loan contract from lending's state (called by
  the event subscribers in ``handlers``), void a loan contract whose loan was cancelled.
- ``rendering``: render the PDF once, lazily, and serve stored bytes after a hash check.
- ``signing``: the borrower signs (evidence + hash check), the platform seals, ``contract.signed``.
- ``verification``: check a stored or uploaded PDF's seal.
- ``queries`` and ``templates``: reads, and versioned template texts.

Lock order: the contract row first; lending rows are only read, never locked here.
"""
