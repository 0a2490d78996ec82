"""The service's foundations: configuration, the clock, the database, logs, durations, phone
numbers, migrations.
"""
