"""The five ccats services; each owns one PostgreSQL schema."""
