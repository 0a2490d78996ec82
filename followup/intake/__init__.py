"""Calls in from dispatch: the intake API's shapes and tokens, recording events, and CAD file
imports.
"""
