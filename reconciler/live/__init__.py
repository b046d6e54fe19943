"""The live side, read-only: the shop read into the catalog model (read), Shoptet's shapes converted (convert), and the incremental cache (cached, cache_file)."""
