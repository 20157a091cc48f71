"""Identity: adults, PINs (keyed hashes), set-PIN links, kiosk sign-in (ID-1..9).

What is unique, and how a credential is found (ID-2, ID-4, ID-6, ID-9):

- The PIN alone is unique, everywhere: `adults.pin_hash` is
  HMAC-SHA256(pepper, "pin:" + PIN) in a unique column, so no two adults share a
  PIN whatever their programs, a PIN already in use is refused (`pin_in_use`, never
  saying whose), and a kiosk finds the adult by it in one indexed lookup.
- The phone (arizona) and the card (texas) are a second factor checked against the
  adult the PIN found, as the provider's policy pack asks: the phone as its ten
  digits, the card by its keyed hash ("card:" + number, one active card per adult;
  a voided card never works again). Neither needs to be unique for the lookup; a
  sponsor added by a parent must not take another adult's phone (`phone_in_use`).
- Link tokens and registration codes are stored only as keyed hashes too, and
  leave the outbox redacted once published (`redaction.py`).
"""
