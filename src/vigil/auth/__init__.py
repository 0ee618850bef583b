"""Users, roles (docs/api.md) and API tokens: random, shown once, stored as SHA-256 digests."""
