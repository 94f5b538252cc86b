"""Layer 2, the reference engine: an applicant's file → typed claims → an Award whose lines carry
their checks, steps, citations and interpretations. Pure (no I/O but reading the applicant's
file in ``applicant.read_applicant``). Imports only the core and the rule data."""
