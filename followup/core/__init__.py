"""The service's foundations: configuration, the clock, the database, logs, durations, phone
numbers, quiet hours (a value the configuration and the Agency model both read), migrations.
"""
