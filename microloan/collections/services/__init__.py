"""Collections use cases, one module per topic.

- ``cases``: list and read cases, record the overdue cause, propose a restructuring through
  lending's maker-checker.
- ``assignment``: collectors and their profile, assignment by workload, reassignment.
- ``contacts``: log a contact under the conduct limits, record a promise to pay.
- ``strategies``: the per-bucket strategies.
- ``stats``: recovery rates, promise-kept rates, cases by cause.

Every state change is one ``transaction.atomic()`` with its audit record inside. Lock order:
collection cases (by id) first, then lending's rows (lending's own order), the audit chain last.
"""
