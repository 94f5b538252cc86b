"""Layer 4, self-service for applicants: what a subject may apply for (screening), how close they
are to more (hints), and the questionnaire. Imports the layers below (see docs/architecture.md)."""
