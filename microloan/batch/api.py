"""End-of-day runs over HTTP: list, look at one, run today's.

GET  /runs          batch.view_eodrun
GET  /runs/{id}     batch.view_eodrun   (with its committed (step, partition) checkpoints)
POST /runs          batch.run_eod       Idempotency-Key required; runs EOD for the current
                                        business date in the request and answers the run
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import staff_auth
from microloan.api.idempotency import idempotent
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.input_types import ApiDate, BodyInt, QueryInt

from .models import EodCheckpoint, EodRun
from .services import PERM_RUN, PERM_VIEW, get_run, list_runs, run_checkpoints, run_eod

router = Router(tags=["batch"])
MAX_LIST_LIMIT = 500


class StepCountOut(Schema):
    step: str
    rows: int
    seconds: float
    partitions: int


class RunOut(Schema):
    id: str
    business_date: dt.date
    status: str
    started_by: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    active_loans: int
    partitions: int
    steps: list[StepCountOut]
    error: str

    @staticmethod
    def of(run: EodRun) -> dict:
        return {
            "id": run.public_id,
            "business_date": run.business_date,
            "status": run.status,
            "started_by": run.started_by,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "active_loans": run.active_loans,
            "partitions": len(run.partitions),
            "steps": run.counts.get("steps", []),
            "error": run.error,
        }


class CheckpointOut(Schema):
    step: str
    partition: int
    rows: int
    seconds: float
    finished_at: dt.datetime

    @staticmethod
    def of(checkpoint: EodCheckpoint) -> dict:
        return {
            "step": checkpoint.step,
            "partition": checkpoint.partition,
            "rows": checkpoint.rows,
            "seconds": checkpoint.seconds,
            "finished_at": checkpoint.finished_at,
        }


class RunDetailOut(RunOut):
    checkpoints: list[CheckpointOut]


class RunIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # Optional guard: refused with 409 unless it is the current business date.
    business_date: ApiDate | None = None
    partitions: BodyInt | None = Field(None, ge=1, le=1024)


@router.get("/runs", auth=staff_auth(PERM_VIEW), response=list[RunOut])
def list_eod_runs(request, limit: QueryInt = 50):
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValidationFailed(
            code="invalid_limit", fields={"limit": _("Give a number from 1 to 500.")}
        )
    return [RunOut.of(run) for run in list_runs(actor=request.auth)[:limit]]


@router.get("/runs/{run_id}", auth=staff_auth(PERM_VIEW), response=RunDetailOut)
def get_eod_run(request, run_id: str):
    run = get_run(actor=request.auth, run_id=run_id)
    checkpoints = run_checkpoints(actor=request.auth, run=run)
    return RunOut.of(run) | {"checkpoints": [CheckpointOut.of(c) for c in checkpoints]}


@router.post("/runs", auth=staff_auth(PERM_RUN), response={201: RunOut})
@idempotent
def start_eod_run(request, payload: RunIn):
    run = run_eod(
        actor=request.auth, business_date=payload.business_date, partitions=payload.partitions
    )
    return Status(201, RunOut.of(run))
