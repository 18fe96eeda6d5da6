"""A provider's OpenAI-shaped Batch API through the openai SDK: submit, look, collect, cancel.

A batch file holds one line per request, ``{"custom_id", "method": "POST",
"url": "/v1/chat/completions", "body"}``. Its results come in two files,
in any order, matched by ``custom_id``. The traps real providers show are
handled here: an error line may say ``"error": null`` and carry its reason
in ``response.body.error``; ``error_file_id`` may be null or ``""``; a batch
whose every line failed completes with no output file; a batch may fail
validation after its creation; an expired or cancelled batch returns what
finished, and its other requests go to the next batch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import openai

from tubenotes.config import redact_url
from tubenotes.errors import ConfigurationError, TransientError
from tubenotes.generate.llm import sdk_client
from tubenotes.generate.providers import LlmSettings
from tubenotes.store.base import cache_key
from tubenotes.store.batches import BatchRecord

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
FINAL_STATES = frozenset({"completed", "failed", "expired", "cancelled"})
# The metadata field that names a batch's requests, and how many recent batches are searched for it.
SUBMISSION_KEY = "tubenotes_requests"
LISTED_BATCHES = 100


@dataclass
class BatchResults:
    """What a finished batch gave: answers (key -> chat completion) and failures (key -> the provider's reason).
    Requests in neither did not finish (expired, cancelled, failed validation): they go to the next batch."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


class BatchApi:
    """The Batch API of the server ``settings`` name."""

    def __init__(self, settings: LlmSettings) -> None:
        self.settings = settings
        self._sdk = sdk_client(settings)

    def __repr__(self) -> str:
        return f"BatchApi({self.settings.label} at {self.settings.host})"

    def submit(self, requests: Mapping[str, dict[str, Any]]) -> BatchRecord:
        """Upload the requests (key -> body) as one batch file and create its batch.

        The batch carries a hash of its requests' keys in its metadata: a process killed
        after the creation and before the store recorded it finds the batch again here,
        instead of submitting its requests a second time.
        """
        submission = cache_key({"requests": sorted(requests)})[:32]
        batch = self._created(submission)
        if batch is None:
            lines = "".join(json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body},
                                       ensure_ascii=False) + "\n" for key, body in requests.items())
            with self._translated("upload the batch file"):
                uploaded = self._sdk.files.create(file=("tubenotes-batch.jsonl", lines.encode("utf-8")),
                                                  purpose="batch")
            with self._translated("create the batch"):
                create = partial(self._sdk.batches.create, input_file_id=uploaded.id, endpoint=ENDPOINT,
                                 completion_window=COMPLETION_WINDOW)
                try:
                    batch = create(metadata={SUBMISSION_KEY: submission})
                except openai.BadRequestError:  # a compatibility layer that takes no metadata
                    batch = create()
        now = time.time()
        return BatchRecord(batch.id, self.settings.host, batch.status, len(requests), now, now,
                           data=batch.model_dump(mode="json"))

    def _created(self, submission: str) -> openai.types.Batch | None:
        """A live batch of these very requests, created by a process that was killed before recording it."""
        try:
            with self._translated("list the batches"):  # a 404 here: the server has no Batch API at all
                page = self._sdk.batches.list(limit=LISTED_BATCHES)
        except TransientError as exc:
            if isinstance(exc.__cause__, (openai.BadRequestError, openai.UnprocessableEntityError)):
                return None  # a compatibility layer that lists no batches: nothing to find
            raise
        for batch in page.data:
            if (batch.metadata or {}).get(SUBMISSION_KEY) == submission and batch.status not in FINAL_STATES:
                return batch
        return None

    def look(self, record: BatchRecord) -> BatchRecord:
        """The batch as the provider sees it now."""
        with self._translated(f"look at batch {record.id}"):
            batch = self._sdk.batches.retrieve(record.id)
        record.state, record.data, record.checked_at = batch.status, batch.model_dump(mode="json"), time.time()
        return record

    def cancel(self, record: BatchRecord) -> BatchRecord:
        with self._translated(f"cancel batch {record.id}"):
            try:
                batch = self._sdk.batches.cancel(record.id)
            except openai.ConflictError:  # finished meanwhile: nothing left to cancel
                return self.look(record)
        record.state, record.data, record.checked_at = batch.status, batch.model_dump(mode="json"), time.time()
        return record

    def results(self, record: BatchRecord, keys: frozenset[str] | None = None) -> BatchResults:
        """The answers and failures of a finished batch, from both of its files."""
        results = BatchResults()
        if record.state == "failed":  # it never ran: every request goes to the next batch
            return results
        for file_id in (record.data.get("output_file_id"), record.data.get("error_file_id")):
            if not file_id:  # None, or "" where a provider has no error file
                continue
            with self._translated(f"download the results of batch {record.id}"):
                text = self._sdk.files.content(file_id).text
            for line in text.splitlines():
                if line.strip():
                    _take_line(json.loads(line), results)
        if keys is not None:
            results.answers = {key: answer for key, answer in results.answers.items() if key in keys}
            results.failures = {key: reason for key, reason in results.failures.items() if key in keys}
        return results

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        where = redact_url(self.settings.base_url)
        try:
            yield
        except openai.NotFoundError as exc:
            if action in ("list the batches", "upload the batch file", "create the batch"):
                raise ConfigurationError(
                    f"{self.settings.label} at {where} has no Batch API (HTTP 404 on {exc.request.url.path}); "
                    "run without --batch") from exc
            raise TransientError(f"{self.settings.label} could not {action}: not found (HTTP 404)") from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            where_key = f"the key in {self.settings.key_env}" if self.settings.key_env else "the request"
            raise ConfigurationError(f"{self.settings.label}: {where_key} was refused when trying to {action} "
                                     f"(HTTP {exc.status_code}); check the key and its permissions") from exc
        except openai.APIStatusError as exc:
            raise TransientError(f"{self.settings.label} could not {action} (HTTP {exc.status_code}): "
                                 f"{exc.message[:300]}; `tubenotes resume` tries again") from exc
        except openai.APIConnectionError as exc:
            raise TransientError(f"{self.settings.label} could not {action}: {where} could not be reached; "
                                 "`tubenotes resume` tries again") from exc


def _take_line(line: dict[str, Any], results: BatchResults) -> None:
    key = str(line.get("custom_id"))
    response = line.get("response") or {}
    body = response.get("body") or {}
    if response.get("status_code") == 200 and body.get("choices") is not None and not line.get("error"):
        results.answers[key] = body
        return
    results.failures[key] = _reason(line, response, body)


def _reason(line: dict[str, Any], response: dict[str, Any], body: dict[str, Any]) -> str:
    """The provider's reason for a failed line: in ``error``, or (with ``"error": null``) in the response's body."""
    error = line.get("error") or body.get("error") or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    status = response.get("status_code")
    prefix = f"HTTP {status}: " if status else ""
    return f"{prefix}{message or 'no reason given'}"[:300]


def batch_errors(record: BatchRecord) -> str:
    """Why a batch failed as a whole (validation, token caps), from the batch object."""
    errors = ((record.data.get("errors") or {}).get("data")) or []
    return "; ".join(str(error.get("message") or error.get("code")) for error in errors) or "no reason given"


def batch_api_for(settings: LlmSettings) -> BatchApi:
    """The Batch API of the server ``settings`` name; a provider known to have none is a configuration
    error, raised before anything is sent (a --base-url server is tried: a 404 says it has none)."""
    if settings.batch_api is False:
        raise ConfigurationError(f"{settings.provider} has no Batch API that tubenotes can use; run without "
                                 "--batch (providers with one: openai, gemini, groq, or a --base-url server "
                                 "that serves /v1/batches)")
    return BatchApi(settings)
