"""The institution API (/api/v1/): per-institution tokens, the lists sent to the institution,
authorised enterprises' published scores, financing records. See docs/api.md."""
