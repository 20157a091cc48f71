"""Notify: every message a person must get, in English and Spanish (NOT-1..3)."""
