"""Read models the API serves that the hash database's service does not offer yet: paged deltas, one
media item's record, series and victims. Read-only queries; journalling is the caller's."""
