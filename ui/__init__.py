"""Shared page helpers: data access with caching, chart styling, labels, notices."""
