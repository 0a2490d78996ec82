"""Operations without HTTP: readiness checks and the Prometheus figures (served by webhooks.health
and webhooks.metrics).
"""
