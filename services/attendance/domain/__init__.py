"""Pure rules of attendance: days in the provider's time zone, pairing and
errors, pending deadlines, tap checks, case attribution, corrections, absences."""
