"""`import`: live products to YAML (build) through ruamel round-trip editing (yaml_edit)."""
