"""What tests and benchmarks share, shipped with the package: a local Twilio-compatible server and
load seeders.
"""
