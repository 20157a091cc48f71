"""Getting messages to people: e-mail (SMTP, or `.eml` files with no server), text
messages (a log sink until a provider is configured), and the worker that tries
due messages with backoff (NOT-3)."""
