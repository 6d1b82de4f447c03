"""Getting data in: the collector, enrichment, sessions and importers."""
