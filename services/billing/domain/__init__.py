"""Pure rules of billing: months and deadlines, ages, attendance days, the claim
methods of the programs, submission, supplemental bills and the rate draw.

Plain functions over plain values; the clock (`as_of`, `today`) is passed in.
"""
