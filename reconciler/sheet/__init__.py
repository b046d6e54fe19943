"""A spreadsheet view of the catalog (`sheet export`, `sheet apply`)."""
