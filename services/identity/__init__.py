"""Identity: adults, PINs (keyed hashes), set-PIN links, kiosk sign-in (ID-1..9)."""
