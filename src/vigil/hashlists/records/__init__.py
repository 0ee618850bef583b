"""Read models the API and the console serve that the hash database's service does not offer yet: paged
deltas, one media item's record and details, search by signal or content, conflicts, series and victims.
Read-only queries; journalling is the caller's."""
