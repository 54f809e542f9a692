"""Audit log (审计日志): who changed or looked at what, when and from where. Append-only.

Other apps log reads and exports themselves with ``innopoints.audit.log.record``; changes of
their models are logged automatically (``innopoints.audit.watch``)."""
