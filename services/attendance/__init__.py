"""Attendance: taps, pending records, check-outs, corrections, absences (ATT-1..9)."""
