"""Texts in: the inbound reply and its conversation, the outage spool, Twilio receipts,
and triage.
"""
