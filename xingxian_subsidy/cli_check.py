"""Commands registered on the main app (filled in by their issue)."""
