"""A system that answers HTTP 500 to everything: the run ends, one alert, one e-mail (and no storm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robots import alerts
from robots.runtime.runner import run_process

pytestmark = [pytest.mark.browser]


def test_a_dead_system_raises_exactly_one_alert(robot_env, make_simulators, smtp_inbox, tmp_path: Path) -> None:
    inbox, port = smtp_inbox, smtp_inbox.port
    sims = make_simulators(faults={"enabled": True, "error_rate": 1.0, "systems": ["payroll"]})
    env = robot_env(sims, process_config={"_template": "retry_attempts = 2\nretry_wait_seconds = 0.05\n"})
    (env.root / "conf" / "alerts.toml").write_text(
        f'[channels.email]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\nsender = "robots@test"\n'
        'recipients = ["drift@test"]\n')
    process = env.process("_template")
    first = run_process(process, env.backend, trigger="schedule", started_by="test")
    assert first.run.status == "failed" and "produce" in first.run.stop_reason
    second = run_process(process, env.backend, trigger="schedule", started_by="test")
    assert second.run.status == "failed"
    (alert,) = alerts.alerts(env.backend, open_only=True)
    assert (alert.rule, alert.subject, alert.occurrences) == ("run_failed", "_template", 2)
    assert first.run.id in alert.message
    (mail,) = inbox.messages
    assert mail["Subject"] == "[robots] run_failed: _template" and mail["To"] == "drift@test"
    assert f"Kørsel {first.run.id} af _template fejlede: produce" in mail.get_content()  # in Danish, as sent
