"""The Batch API of the fake OpenAI-compatible server: /v1/files and /v1/batches, with the providers' traps.

A batch moves validating -> in_progress -> finalizing -> completed as time
passes (``validating_seconds`` and ``delay``, both short by default so that
tests move quickly), computed when a client looks, as a real provider's
clock runs whether anyone looks or not. Each line is answered by the fake's
ordinary chat-completions path, so scripted behaviours (``fake.when``)
make lines fail. The traps real providers show are all here: output lines
in another order than the input's, an error line with ``"error": null`` and
the reason in ``response.body.error``, ``error_file_id`` set to ``""`` when
there are no errors, ``output_file_id`` null when every line failed, a
batch that fails validation after ``create`` succeeded, and expired or
cancelled batches that return only what finished.

    with FakeLlmServer() as fake:
        fake.batches.delay = 0.2
        fake.batches.plan(BatchPlan("expire", finished=2))  # the next batch expires after two lines
        ...
        assert max(fake.batches.submitted.values()) == 1  # no request was submitted twice
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

PLANS = ("complete", "expire", "fail_validation")
FINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})

Respond = Callable[[dict[str, Any]], "tuple[int, dict[str, str], dict[str, Any]]"]


@dataclass
class BatchPlan:
    """What happens to one batch: it completes, expires after ``finished`` lines, or fails validation."""

    kind: str = "complete"
    finished: int = 0  # for expire: how many lines were answered before the window closed

    def __post_init__(self) -> None:
        if self.kind not in PLANS:
            raise ValueError(f"unknown batch plan {self.kind!r}; one of {', '.join(PLANS)}")


@dataclass
class _Batch:
    data: dict[str, Any]  # the batch object as the API returns it
    lines: list[dict[str, Any]]
    plan: BatchPlan
    created: float
    cancel_requested: float | None = None
    finished_at: float | None = None  # when the provider finished it, for completion-to-notes figures


class FakeBatchApi:
    """Files and batches of one fake server; ``respond`` answers one chat-completions body."""

    def __init__(self, respond: Respond) -> None:
        self._respond = respond
        self.enabled = True  # False: /v1/files and /v1/batches answer 404, as a server without the API
        self.validating_seconds = 0.05
        self.delay = 0.3  # seconds in_progress
        self.files: dict[str, tuple[str, str, bytes, int]] = {}  # id -> (filename, purpose, content, created)
        self.batches: dict[str, _Batch] = {}
        self.submitted: Counter[str] = Counter()  # custom_id -> how many batches it was sent in
        self.polls: Counter[str] = Counter()  # batch id -> retrieve requests
        self._plans: deque[BatchPlan] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    def plan(self, *plans: BatchPlan) -> None:
        """Plans for the next batches created, one each, before the default (complete) resumes."""
        with self._lock:
            self._plans.extend(plans)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    # --- files -------------------------------------------------------------------------

    def upload(self, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
        if "file" not in fields or "purpose" not in fields:
            return 400, api_error("a file upload needs the fields file and purpose", "invalid_request_error")
        filename, content = fields["file"]
        purpose = fields["purpose"][1].decode()
        with self._lock:
            file_id = self._id("file")
            self.files[file_id] = (filename or "upload", purpose, content, int(time.time()))
        return 200, self._file_object(file_id)

    def _file_object(self, file_id: str) -> dict[str, Any]:
        filename, purpose, content, created = self.files[file_id]
        return {"id": file_id, "object": "file", "bytes": len(content), "created_at": created,
                "filename": filename, "purpose": purpose, "status": "processed", "expires_at": None,
                "status_details": None}

    def file(self, file_id: str, content: bool) -> tuple[int, dict[str, Any] | bytes]:
        with self._lock:
            if file_id not in self.files:
                return 404, api_error(f"No such File object: {file_id}", "invalid_request_error")
            return 200, self.files[file_id][2] if content else self._file_object(file_id)

    def _add_file(self, filename: str, lines: list[dict[str, Any]]) -> str:
        file_id = self._id("file")
        content = "".join(json.dumps(line) + "\n" for line in lines).encode()
        self.files[file_id] = (filename, "batch_output", content, int(time.time()))
        return file_id

    # --- batches ---------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            input_id = str(body.get("input_file_id") or "")
            if input_id not in self.files:
                return 400, api_error(f"No such File object: {input_id}", "invalid_request_error")
            if body.get("completion_window") != "24h" or body.get("endpoint") != "/v1/chat/completions":
                return 400, api_error("completion_window must be 24h and endpoint /v1/chat/completions",
                                   "invalid_request_error")
            try:
                lines = [json.loads(line) for line in self.files[input_id][2].decode().splitlines() if line.strip()]
            except ValueError:
                return 400, api_error("the input file is not JSONL", "invalid_request_error")
            now = time.time()
            batch_id = self._id("batch")
            data = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "errors": None,
                "input_file_id": input_id, "completion_window": "24h", "status": "validating",
                "output_file_id": None, "error_file_id": None, "created_at": int(now),
                "in_progress_at": None, "expires_at": int(now) + 86_400, "finalizing_at": None,
                "completed_at": None, "failed_at": None, "expired_at": None, "cancelling_at": None,
                "cancelled_at": None, "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata"),
            }
            self.batches[batch_id] = _Batch(data, lines, self._plans.popleft() if self._plans else BatchPlan(), now)
            for line in lines:
                self.submitted[str(line.get("custom_id"))] += 1
            return 200, dict(data)

    def retrieve(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.polls[batch_id] += 1
            batch = self.batches.get(batch_id)
            if batch is None:
                return 404, api_error(f"No such Batch object: {batch_id}", "invalid_request_error")
            self._advance(batch)
            return 200, dict(batch.data)

    def cancel(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return 404, api_error(f"No such Batch object: {batch_id}", "invalid_request_error")
            self._advance(batch)
            if batch.data["status"] in FINAL_STATES:
                return 409, api_error(f"Cannot cancel a batch with status {batch.data['status']}",
                                   "invalid_request_error")
            batch.cancel_requested = time.time()
            batch.data.update(status="cancelling", cancelling_at=int(batch.cancel_requested))
            return 200, dict(batch.data)

    def list(self) -> tuple[int, dict[str, Any]]:
        with self._lock:
            for batch in self.batches.values():
                self._advance(batch)
            data = [dict(b.data) for b in sorted(self.batches.values(), key=lambda b: -b.created)]
        return 200, {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                     "last_id": data[-1]["id"] if data else None, "has_more": False}

    def _advance(self, batch: _Batch) -> None:
        """The batch's state by now, as a provider's clock would have moved it."""
        data = batch.data
        if data["status"] in FINAL_STATES:
            return
        now = time.time()
        started = batch.created + self.validating_seconds
        if batch.cancel_requested is not None:
            # Lines are answered at the end of the delay: a batch cancelled before it has none done.
            self._finish(batch, "cancelled", answered=0)
            return
        if now < started:
            return
        if batch.plan.kind == "fail_validation":
            data.update(status="failed", failed_at=int(now), errors={"object": "list", "data": [{
                "code": "token_limit_exceeded", "line": None, "param": None,
                "message": "Enqueued token limit reached for this model in this organization. "
                           "Try again once some in_progress batches have been completed."}]})
            batch.finished_at = now
            return
        data.update(status="in_progress", in_progress_at=data["in_progress_at"] or int(started),
                    request_counts={"total": len(batch.lines), "completed": 0, "failed": 0})
        if now < started + self.delay:
            return
        if batch.plan.kind == "expire":
            self._finish(batch, "expired", answered=batch.plan.finished)
        else:
            self._finish(batch, "completed", answered=len(batch.lines))
        batch.finished_at = started + self.delay  # when the provider's clock finished it, whoever looked

    def _finish(self, batch: _Batch, state: str, answered: int) -> None:
        outputs: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, line in enumerate(batch.lines):
            request_id = self._id("req")
            if number >= answered:
                errors.append({"id": self._id("batch_req"), "custom_id": line.get("custom_id"), "response": None,
                               "error": {"code": f"batch_{state}", "message": _UNFINISHED[state]}})
                continue
            status, _, payload = self._respond(line.get("body") or {})
            record = {"id": self._id("batch_req"), "custom_id": line.get("custom_id"),
                      "response": {"status_code": status, "request_id": request_id, "body": payload},
                      # The trap: a failed request's line says "error": null; its reason is in the body.
                      "error": None}
            (outputs if status == 200 else errors).append(record)
        now = time.time()
        outputs.reverse()  # the output's order is not the input's
        data = batch.data
        data["output_file_id"] = self._add_file("batch_output.jsonl", outputs) if outputs else None
        data["error_file_id"] = self._add_file("batch_errors.jsonl", errors) if errors else ""
        failed = sum(1 for e in errors if e["response"] is not None)
        data["request_counts"] = {"total": len(batch.lines), "completed": len(outputs), "failed": failed}
        data.update(status=state, finalizing_at=int(now), **{f"{state}_at": int(now)})
        batch.finished_at = now


_UNFINISHED = {
    "expired": "This request could not be executed before the completion window expired.",
    "cancelled": "This request was not executed because the batch was cancelled.",
}


def api_error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
