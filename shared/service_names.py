"""The five services, by name: light to import (the command line reads it before
it knows which command runs, and must not load the whole kernel for it)."""

SERVICES = ("identity", "authorization", "attendance", "billing", "notify")
