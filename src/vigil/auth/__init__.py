"""Users, roles (DESIGN §9) and API tokens: random, shown once, stored as SHA-256 digests."""
