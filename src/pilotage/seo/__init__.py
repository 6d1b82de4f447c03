"""SEO audit: page extraction, checks, link graph, duplicates, keywords and reports."""
