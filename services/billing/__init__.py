"""Billing: month close, submissions, claims and reports (BILL-1..10)."""
