"""Federation: instances and exchanges sharing what they hold, or learning what they hold in common."""
