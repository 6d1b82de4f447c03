"""The site dashboard: URL state, the queries of each panel, and their view models."""
