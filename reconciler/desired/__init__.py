"""The desired side: the YAML catalog loaded into the model with exact values and located problems (load, values, locate, yamlload), its JSON Schemas, and the catalog at a git base (scope)."""
