"""HTTP routes: ``v1`` (Vigil's own API) and ``hma`` (hasher-matcher-actioner compatible)."""
