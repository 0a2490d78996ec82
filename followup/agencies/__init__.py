"""Agencies: creating them and the default one, and the one place that validates and audits a
change to their settings.
"""
