"""Use cases: typed functions taking a session and the acting user. They flush, never commit."""
