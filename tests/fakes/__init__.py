"""Loopback fakes of the payment back-ends, following the seed documents and SPEC.md section 5."""
