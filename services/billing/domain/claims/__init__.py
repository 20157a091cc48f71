"""Claims: one pure method per `billing.claim_method` of the policy pack, and the
rules every program shares (BILL-4 age, BILL-5 time limit, BILL-8 hold, ATT-2
expired pending)."""
