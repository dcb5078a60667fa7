"""A sixth strand, declared in this one folder, to prove that a strand is added
in one place (docs/strands.md follows it step by step).

"Keep it REAL" is one of the commissioning initiatives the 2013 paper names
(para 29); here it is a small bid-based strand with the generic questions
only, its own board status and paper section. It is installed only by the
tests in tests/test_sixth_strand.py.
"""
