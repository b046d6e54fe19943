"""Apply a plan: preflight (header, guards, compare-before-write, the catalog's authority), request bodies, the executor, its result and journal."""
