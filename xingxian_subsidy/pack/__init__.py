"""Layer 1, the rule data: its models, the formula vocabulary, the loader and what the data
means (semantics). Imports only the core (see docs/architecture.md)."""
