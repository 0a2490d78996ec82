"""The deployment kit (deploy/) stays in step with the service: every variable README lists is in
.env.example, the dashboard and alert rules read only metrics the service exports, compose has
the services README describes, and the systemd units keep their hardening.

Read from the files; building and running them needs podman (README, Deploy, says how it went).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VARIABLE = re.compile(r"`((?:FOLLOWUP|TWILIO)_[A-Z_]+|PROMETHEUS_MULTIPROC_DIR)`")


def readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def exported_metrics() -> set[str]:
    """The names /metrics serves: gauges as written, counters with _total, histograms' series."""
    source = (ROOT / "followup/ops/metrics.py").read_text(encoding="utf-8")
    names = set(re.findall(r'GaugeMetricFamily\(\s*"(followup_[a-z_]+)"', source))
    names |= {f"{n}_total" for n in re.findall(r'Counter\(\s*"(followup_[a-z_]+)"', source)}
    for name in re.findall(r'Histogram\(\s*"(followup_[a-z_]+)"', source):
        names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


def test_env_example_has_every_variable_the_readme_configuration_lists():
    listed = set(VARIABLE.findall(readme_section("Configuration")))
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    in_example = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", example, re.MULTILINE))

    assert len(listed) > 25
    assert listed - in_example == set()


def test_dashboard_and_alert_rules_read_only_metrics_the_service_exports():
    exported = exported_metrics()
    dashboard = json.loads((DEPLOY / "grafana/followup.json").read_text(encoding="utf-8"))
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text(encoding="utf-8"))
    expressions += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = {name for expr in expressions for name in re.findall(r"followup_[a-z_]+", expr)}

    assert used - exported == set()
    # What the issue asked the dashboard to show.
    for metric in (
        "followup_sender_lag_seconds",
        "followup_outbound_messages",
        "followup_replies",
        "followup_callbacks_open",
        "followup_callbacks_overdue",
        "followup_intake_events_total",
        "followup_webhook_duration_seconds_bucket",
    ):
        assert metric in used


def test_the_alerts_readme_suggests_are_rules():
    rules = yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text(encoding="utf-8"))
    by_name = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}

    assert "followup_sender_lag_seconds) > 600" in by_name["FollowupSenderLagging"]
    assert "followup_database_up" in by_name["FollowupDatabaseDown"]
    assert "followup_callbacks_overdue" in by_name["FollowupCallbacksOverdue"]


def test_compose_runs_postgres_a_migration_the_web_app_two_senders_and_optional_monitoring():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]

    assert services["migrate"]["command"] == ["followup", "db", "upgrade"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "healthz" in " ".join(services["web"]["healthcheck"]["test"])
    senders = [name for name, s in services.items() if s.get("command") == ["followup", "sender"]]
    assert len(senders) == 2
    assert services["prometheus"]["profiles"] == ["prometheus"]
    assert services["grafana"]["profiles"] == ["grafana"]
    assert all(services[name]["image"] == "localhost/followup" for name in ["web", *senders])


@pytest.mark.parametrize(
    "unit", ["followup-web.service", "followup-sender@.service", "followup-spool-replay.service"]
)
def test_each_systemd_unit_runs_as_its_own_user_without_privileges(unit):
    text = (DEPLOY / "systemd" / unit).read_text(encoding="utf-8")

    for setting in (
        "User=followup",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "UMask=0077",
    ):
        assert setting in text, setting


def test_the_image_runs_as_a_user_checks_its_health_and_wants_a_secret_key():
    containerfile = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    entrypoint = (DEPLOY / "container-entrypoint.sh").read_text(encoding="utf-8")
    final_stage = containerfile.rsplit("\nFROM ", 1)[1]

    assert "USER followup" in final_stage
    assert "HEALTHCHECK" in final_stage and "/healthz" in final_stage
    assert not re.search(r"\b(gcc|g\+\+|build-essential|python3-dev)\b", final_stage)
    assert 'if [ -z "${FOLLOWUP_SECRET_KEY:-}" ]' in entrypoint
