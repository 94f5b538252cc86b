"""Layer 3, the audit of a roster, as a pipeline of stages (see ``pipeline``): read → columns →
frame → compute (vector | reference) → checks → reasons → summaries → writers.

Imports the core, the rule data and the reference engine (see docs/architecture.md).
"""
