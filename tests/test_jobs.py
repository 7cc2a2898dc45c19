"""The job runner and `dlxh jobs`: one pass, recorded in the ledger, failures logged and survived."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.clock import ManualClock
from bot.runtime import Services
from scheduler.jobs import all_jobs
from scheduler.runner import Job, JobRunner
from storage.jobs import get_job
from storage.updates import record_processed_update
from tests.conftest import VN


async def test_cleanup_job_forgets_old_update_ids_once(services: Services, clock: ManualClock) -> None:
    async with services.db.transaction() as tx:
        await record_processed_update(tx, "telegram", "old", clock.now() - timedelta(days=40))
        await record_processed_update(tx, "telegram", "new", clock.now())
    runner = JobRunner(services, all_jobs(services, None))
    assert (await runner.run("prune")).startswith("removed 1 processed update id(s), 0 delivered message(s)")
    assert (await runner.run("prune")).startswith("removed 0 processed update id(s)")  # safe to run twice
    rec = await get_job(services.db.reader, "prune")
    assert rec is not None and rec.runs == 2 and rec.last_error is None
    assert rec.next_run_at == datetime(2026, 12, 2, 3, 15, tzinfo=VN)


async def test_a_failing_job_is_recorded_and_the_others_still_run(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(s: Services, now: datetime) -> str:
        raise ValueError("disk on fire")

    async def fine(s: Services, now: datetime) -> str:
        return "ok"

    runner = JobRunner(
        services, [Job("broken", "", broken, every_seconds=60), Job("fine", "", fine, every_seconds=60)]
    )
    results = await runner.run_all()
    assert results == {"broken": "error: ValueError('disk on fire')", "fine": "ok"}
    rec = await get_job(services.db.reader, "broken")
    assert rec is not None and rec.last_error == "ValueError('disk on fire')"
    assert any("job broken failed" in r.getMessage() for r in caplog.records)


def test_jobs_cli_lists_and_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[general]\ndata_dir = '{tmp_path}'\n", encoding="utf-8")
    assert main(["--config", str(cfg), "jobs", "run", "prune", "--now", "2026-12-01T07:00"]) == 0
    assert capsys.readouterr().out.strip().startswith("prune: removed 0 processed update id(s)")
    assert main(["--config", str(cfg), "jobs", "list"]) == 0
    out = capsys.readouterr().out
    assert "prune" in out and "01/12/2026 07:00" in out and "outbox" in out
    assert main(["--config", str(cfg), "jobs", "run", "nope"]) == 1
