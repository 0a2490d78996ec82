"""Texts out: the sender's sweep, retries, the rate limit, the schedule, delivery statuses, and the
gateways.
"""
