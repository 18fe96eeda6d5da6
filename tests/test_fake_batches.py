"""The fake server's Batch API, through the real openai SDK: shapes, states and the traps providers show."""

from __future__ import annotations

import json
import time

import openai
import pytest

from tubenotes.testing.fake_batches import BatchPlan
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer


def _upload(client: openai.OpenAI, words: list[str]) -> str:
    lines = [{"custom_id": f"k-{word}", "method": "POST", "url": "/v1/chat/completions",
              "body": {"model": "m", "messages": [{"role": "user", "content": f"request {word}"}]}} for word in words]
    uploaded = client.files.create(file=("batch.jsonl", "".join(json.dumps(line) + "\n" for line in lines).encode()),
                                   purpose="batch")
    assert uploaded.purpose == "batch" and uploaded.bytes > 0
    return uploaded.id


def _until_final(client: openai.OpenAI, batch_id: str) -> openai.types.Batch:
    deadline = time.monotonic() + 5
    while (batch := client.batches.retrieve(batch_id)).status not in ("completed", "failed", "expired", "cancelled"):
        assert time.monotonic() < deadline, batch.status
        time.sleep(0.05)
    return batch


@pytest.fixture
def fake():
    with FakeLlmServer() as server:
        server.batches.delay = 0.1
        yield server


def test_a_batch_completes_with_its_failed_lines_in_the_error_file(fake: FakeLlmServer) -> None:
    client = openai.OpenAI(api_key="k", base_url=fake.base_url, max_retries=0)
    fake.when(lambda body: "request two" in json.dumps(body), Behavior("server_error"))
    created = client.batches.create(input_file_id=_upload(client, ["one", "two", "three"]),
                                    endpoint="/v1/chat/completions", completion_window="24h")
    assert created.status == "validating"
    batch = _until_final(client, created.id)
    assert batch.status == "completed" and (batch.request_counts.completed, batch.request_counts.failed) == (2, 1)
    outputs = [json.loads(line) for line in client.files.content(batch.output_file_id).text.splitlines()]
    assert [line["custom_id"] for line in outputs] == ["k-three", "k-one"]  # not the input's order
    [error] = [json.loads(line) for line in client.files.content(batch.error_file_id).text.splitlines()]
    assert error["error"] is None and error["response"]["body"]["error"]["message"]  # the reason is in the body
    assert fake.calls == 0 and len(fake.batch_requests) == 3 and fake.batches.submitted["k-one"] == 1
    assert [b.id for b in client.batches.list()] == [created.id]


def test_the_traps_no_error_file_all_failed_validation_expiry_and_cancel(fake: FakeLlmServer) -> None:
    client = openai.OpenAI(api_key="k", base_url=fake.base_url, max_retries=0)
    file_id = _upload(client, ["one", "two"])

    def create() -> str:
        return client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions",
                                     completion_window="24h").id

    clean = _until_final(client, create())
    assert clean.error_file_id == "" and clean.output_file_id
    fake.when(lambda body: True, Behavior("server_error"), Behavior("server_error"))
    all_failed = _until_final(client, create())
    assert all_failed.status == "completed" and all_failed.output_file_id is None
    fake.batches.plan(BatchPlan("fail_validation"), BatchPlan("expire", finished=1))
    invalid = _until_final(client, create())
    assert invalid.status == "failed" and invalid.errors.data[0].code == "token_limit_exceeded"
    expired = _until_final(client, create())
    assert expired.status == "expired" and expired.request_counts.completed == 1
    unfinished = json.loads(client.files.content(expired.error_file_id).text)
    assert unfinished["response"] is None and unfinished["error"]["code"] == "batch_expired"
    cancelled = client.batches.cancel(create())
    assert cancelled.status == "cancelling"
    assert _until_final(client, cancelled.id).status == "cancelled"
    fake.batches.enabled = False
    with pytest.raises(openai.NotFoundError):
        client.batches.list()
