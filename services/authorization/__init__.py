"""Authorization: providers, cases and authorizations from the eligibility system (AUTH-1..4).

- `eligibility.provider`, `.case` and `.authorization` are consumed a fetch at a time
  (the kernel's `rt.consume_batch`): every push is kept with who sent it and when
  (`store.versions`), and only a newer version of a record is applied, whatever
  order the pushes arrive in.
- An authorization is announced (`AuthorizationChanged`) once its provider and its
  case are known, with the provider's program, time zone and type, the case's adults,
  the AUTH-3 ending and the AUTH-4 age of each month; until then it waits, stored.
  It is announced again, with a higher `revision`, whenever any of that changes.
- A provider's every applied version is announced (`ProviderChanged`) with its full
  state. Termination ends its authorizations; a change of type ends those received
  before the change (`domain.provider_status`).
- Read queries (`shared/contract/queries.py`): an authorization with its history, a
  provider's authorizations covering a day, a child's authorizations, a provider, a
  case.
- One eligibility writer at a time (a transaction-scoped advisory lock), so that a
  provider, a case and an authorization arriving together are never applied apart.
"""
