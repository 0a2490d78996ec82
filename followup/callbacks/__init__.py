"""Replies a person must answer: the callback flag, a commander's work on it, urgent alerts, and
the queue read model.
"""
