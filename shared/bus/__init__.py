"""Bus setup: streams declared in one place, the broker, the dead-letter subject."""
