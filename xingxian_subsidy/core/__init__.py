"""Layer 0, the core: money, bilingual text, located errors, and the written forms people type.

Imports nothing of the package's other layers (see docs/architecture.md).
"""
