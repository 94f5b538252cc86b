"""Layer 5, rendering: an award as a terminal table, Markdown or JSON, and a blank roster workbook.
Imports the layers below (see docs/architecture.md)."""
