"""Authorization: providers, cases and authorizations from the eligibility system (AUTH-1..4)."""
