"""Billing reports (BILL-9, ATT-9): the claim, the Attendance Per Student report,
the monthly attendance record with its attestations and the supplemental list,
each as JSON, CSV and PDF. Built from the claim view by pure functions."""
