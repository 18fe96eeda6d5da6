"""A fake OpenAI-compatible server on 127.0.0.1, for tests, benchmarks and offline runs.

It speaks the real protocol (POST /v1/chat/completions, GET /v1/models,
the real response and error shapes, usage included; the Batch API's
/v1/files and /v1/batches in `tubenotes.testing.fake_batches`), so the
real SDK runs its real HTTP path against it. By default it answers plausibly from the
prompt: notes that echo transcript lines into a skeleton with timestamp
links, valid assessment JSON when JSON is asked for. Scripted behaviours
(a queue, or rules matched against the request) make it misbehave:

    with FakeLlmServer() as fake:
        fake.script(Behavior("rate_limit", retry_after=0.2), Behavior("server_error"))
        fake.reject_formats.add("json_schema")
        ...  # point the client at fake.base_url
        assert fake.calls_for(messages) == 1
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tubenotes.testing.fake_batches import FakeBatchApi, api_error

_STAMPED_LINE = re.compile(r"^\[((?:\d+:)?\d{2}:\d{2})\] (.+)$", re.MULTILINE)
_VIDEO_LINE = re.compile(r"^Video: (https?://\S+)$", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{5,}")
# How a request asks for notes and assessment in one answer: the assessment comes between these tags.
TOGETHER = "<assessment>"

KINDS = (
    "default", "text", "rate_limit", "server_error", "hang", "malformed_json", "schema_violation",
    "refusal", "apology", "cut_off", "empty",
)


@dataclass
class Behavior:
    """What the server does with one request. ``delay`` applies to every kind."""

    kind: str = "default"
    delay: float = 0.0
    retry_after: float | None = None  # for rate_limit
    text: str | None = None  # for text
    status: int = 500  # for server_error

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown behaviour {self.kind!r}; one of {', '.join(KINDS)}")


def messages_hash(messages: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:16]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-request (the crash tests and benchmarks kill tubenotes on purpose):
        # expected, not worth a traceback on stderr.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeLlmServer:
    """A real HTTP server in a thread; use it as a context manager."""

    def __init__(self, model: str = "fake-model", hang_seconds: float = 30.0) -> None:
        self.model = model
        self.hang_seconds = hang_seconds
        self.reject_formats: set[str] = set()  # response_format types answered with HTTP 400
        self.requests: list[dict[str, Any]] = []  # live chat completions
        self.batch_requests: list[dict[str, Any]] = []  # lines answered in batches
        self.queries: list[str] = []  # each request's query string, where a key may travel (?api-key=)
        self.calls_by_prompt: Counter[str] = Counter()
        self._queue: deque[Behavior] = deque()
        self._rules: list[tuple[Callable[[dict[str, Any]], bool], deque[Behavior]]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, and tests start many servers.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-llm",
                                        daemon=True)
        self.in_flight = 0
        self.max_in_flight = 0
        self.batches = FakeBatchApi(lambda body: self.respond(body, live=False))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeLlmServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # releases hanging handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- scripting -----------------------------------------------------------

    def script(self, *behaviors: Behavior) -> None:
        """Behaviours for the next requests, one each, before the default resumes."""
        with self._lock:
            self._queue.extend(behaviors)

    def when(self, predicate: Callable[[dict[str, Any]], bool], *behaviors: Behavior) -> None:
        """Behaviours for the next requests whose body matches ``predicate`` (checked before the queue)."""
        with self._lock:
            self._rules.append((predicate, deque(behaviors)))

    @property
    def calls(self) -> int:
        return len(self.requests)

    def calls_for(self, messages: list[dict[str, Any]]) -> int:
        return self.calls_by_prompt[messages_hash(messages)]

    def _next_behavior(self, body: dict[str, Any], live: bool) -> Behavior:
        with self._lock:
            (self.requests if live else self.batch_requests).append(body)
            self.calls_by_prompt[messages_hash(body.get("messages", []))] += 1
            for predicate, behaviors in self._rules:
                if behaviors and predicate(body):
                    return behaviors.popleft()
            return self._queue.popleft() if self._queue else Behavior()

    # --- answering -------------------------------------------------------------

    def respond(self, body: dict[str, Any], live: bool = True) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Status, headers and JSON body for one chat-completions request (``live``: not a batch's line)."""
        behavior = self._next_behavior(body, live)
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if behavior.delay:
                self._stopping.wait(behavior.delay)
            return self._answer(behavior, body)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, behavior: Behavior, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        format_type = (body.get("response_format") or {}).get("type")
        if format_type in self.reject_formats:
            return 400, {}, api_error(f"response_format type {format_type!r} is not supported", "invalid_request_error")
        kind = behavior.kind
        if kind == "rate_limit":
            headers = {"Retry-After": f"{behavior.retry_after:g}"} if behavior.retry_after is not None else {}
            return 429, headers, api_error("Rate limit reached, try again later", "rate_limit_error")
        if kind == "server_error":
            return behavior.status, {}, api_error("The server had an error", "server_error")
        if kind == "hang":
            self._stopping.wait(self.hang_seconds)
        content, refusal, finish = self._content(kind, behavior, body)
        return 200, {}, self._completion(body, content, refusal, finish)

    def _content(self, kind: str, behavior: Behavior, body: dict[str, Any]) -> tuple[str | None, str | None, str]:
        if kind == "text":
            return behavior.text or "", None, "stop"
        if kind == "malformed_json":
            return _after_notes(body, '{"questions": [{"kind": "multiple_choice", "question": "What'), None, "stop"
        if kind == "schema_violation":
            return _after_notes(body, json.dumps({"questions": [{"kind": "essay", "question": "Discuss."}]})), None, "stop"
        if kind == "refusal":
            return None, "I'm sorry, I can't help with that request.", "stop"
        if kind == "apology":
            return ("I'm sorry, but I don't see a transcript in your message. "
                    "Please provide the transcript of the lecture and I will write the notes."), None, "stop"
        if kind == "empty":
            return "", None, "stop"
        text = default_answer(body)
        if kind == "cut_off":
            return text[: max(1, len(text) // 3)], None, "length"
        limit = _max_tokens(body)
        if limit and len(text) > limit * 4:
            return text[: limit * 4], None, "length"
        return text, None, "stop"

    def _completion(
        self, body: dict[str, Any], content: str | None, refusal: str | None, finish: str
    ) -> dict[str, Any]:
        prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
        completion_tokens = len(content or refusal or "") // 4
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish,
                "logprobs": None,
            }],
            "usage": {"prompt_tokens": prompt_chars // 4, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_chars // 4 + completion_tokens},
        }


def _batch_route(path: str) -> list[str] | None:
    """``["files", id, "content"]``, ``["batches", id]`` and the like for a Batch API path under /v1."""
    _, found, rest = path.partition("/v1/")
    parts = rest.split("/") if found else []
    return parts if parts and parts[0] in ("files", "batches") else None


def _with_headers(answer: tuple[int, Any]) -> tuple[int, dict[str, str], Any]:
    return answer[0], {}, answer[1]


def _max_tokens(body: dict[str, Any]) -> int | None:
    return body.get("max_completion_tokens") or body.get("max_tokens")


# --- the default, plausible answers -----------------------------------------------


def default_answer(body: dict[str, Any]) -> str:
    """Notes or assessment JSON built from the transcript lines in the prompt."""
    messages = body.get("messages", [])
    everything = "\n".join(str(m.get("content") or "") for m in messages)
    last = str(messages[-1].get("content") or "") if messages else ""
    lines = [(_seconds(stamp), text) for stamp, text in _STAMPED_LINE.findall(everything)]
    video = _VIDEO_LINE.search(everything)
    url = video.group(1) if video else None
    budget = (_max_tokens(body) or 4096) * 2  # characters: half of what the limit allows
    if "<lectures>" in last:
        return json.dumps(_course_part(last))
    if "<course>" in last:
        return _course_overview(last)
    if TOGETHER in last:  # notes, then the assessment's JSON between tags
        notes = _notes(lines, url, sections_only="This is part" in last, budget=budget)
        return f"{notes}\n{TOGETHER}\n{json.dumps(_assessment(lines))}\n</assessment>\n"
    if body.get("response_format") or "JSON" in last:
        return json.dumps(_assessment(lines))
    if "<notes>" in last:
        return _overview(last)
    return _notes(lines, url, sections_only="This is part" in last, budget=budget)


def _after_notes(body: dict[str, Any], assessment: str) -> str:
    """``assessment`` as the answer, or after good notes when the request asks for both documents."""
    messages = body.get("messages", [])
    if not messages or TOGETHER not in str(messages[-1].get("content") or ""):
        return assessment
    notes = default_answer(body).split(TOGETHER, 1)[0]
    return f"{notes}{TOGETHER}\n{assessment}\n</assessment>\n"


def _seconds(stamp: str) -> int:
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return total


def _concept(text: str) -> str:
    words = _WORD.findall(text)
    return max(words, key=len).capitalize() if words else "Lecture"


def _notes(lines: list[tuple[int, str]], url: str | None, sections_only: bool, budget: int) -> str:
    if not lines:
        lines = [(0, "The lecture introduces its subject and explains the main ideas step by step.")]
    step = max(1, len(lines) // 3)
    sections: list[str] = []
    for start in range(0, len(lines), step):
        seconds, first = lines[start]
        stamp = f"{seconds // 60:02d}:{seconds % 60:02d}"
        link = f"[▶ {stamp}]({url}&t={seconds}s)" if url else f"[{stamp}]"
        bullets = [f"- {text[:160]}" for _, text in lines[start:start + step][:4]]
        sections.append(f"## Topic at {stamp}\n{link}\n\nThis part explains [[{_concept(first)}]].\n"
                        + "\n".join(bullets))
    body = ""
    for section in sections:
        if len(body) + len(section) > budget * 0.7:
            break
        body += section + "\n\n"
    if sections_only:
        return body.strip() or sections[0][:budget]
    summary = " ".join(text for _, text in lines[:2])[:400]
    concepts = "\n".join(f"- [[{_concept(t)}]]: a key idea of the lecture." for _, t in lines[:3])
    return (f"## Summary\n\nThe lecture covers the following. {summary}\n\n{body}"
            f"## Key concepts\n{concepts}\n\n## Takeaways\n- Review each section and its formulas.\n"
            "- Practise with the assessment.\n")


def _overview(prompt: str) -> str:
    notes = prompt.split("<notes>", 1)[1].split("</notes>", 1)[0]
    concepts = sorted(set(re.findall(r"\[\[([^\]]+)\]\]", notes)))[:6] or ["Lecture"]
    if "digest" in prompt:
        return "\n".join(f"- [[{c}]] is discussed with its definition and examples in this part." for c in concepts)
    return ("## Summary\n\nThis lecture develops its subject in several parts, introducing "
            + ", ".join(f"[[{c}]]" for c in concepts)
            + " and showing how they relate through worked examples and definitions.\n\n## Key concepts\n"
            + "\n".join(f"- [[{c}]]: a central idea of the lecture." for c in concepts)
            + "\n\n## Takeaways\n- Each concept builds on the previous one.\n- Work through the examples again.\n")


def _course_part(prompt: str) -> dict[str, Any]:
    """Definitions of the concepts the prompt lists and "explain why" questions on its lectures, one formula in each."""
    lectures = re.findall(r"^### Lecture (\d+): (.+)$", prompt, re.M)
    listed = re.search(r"^Concepts: (\[.*\])$", prompt, re.M)
    names = json.loads(listed.group(1)) if listed else []
    wanted = re.search(r'"questions": (\d+)', prompt)
    count = int(wanted.group(1)) if wanted else 1
    concepts = [{"name": name, "definition": f"{name} is what the lectures build on, as in $\\Delta S \\geq 0$."}
                for name in names]
    questions = [{"lecture": int(number), "question": f"Explain why {title} matters for what follows it.",
                  "answer": f"{title} gives the course its next step: $\\frac{{1}}{{2}} m v^2$ is used later.",
                  "explanation": f"Lecture {number} shows it.", "timestamp_seconds": -1}
                 for number, title in lectures[:count]]
    return {"concepts": concepts, "questions": questions}


def _course_overview(prompt: str) -> str:
    titles = re.findall(r"^\d+\. ([^:\n]+)", prompt, re.M)
    return (f"The course goes through {len(titles)} lectures, from {titles[0] if titles else 'its start'} to "
            f"{titles[-1] if titles else 'its end'}. Each lecture builds on the one before it, and the last ones "
            "bring the ideas together.")


def _assessment(lines: list[tuple[int, str]]) -> dict[str, Any]:
    picked = lines[:: max(1, len(lines) // 3)][:3] or [(0, "the lecture's subject")]
    questions = []
    for number, (seconds, text) in enumerate(picked):
        concept = _concept(text)
        if number % 3 == 0:
            questions.append({"kind": "multiple_choice", "question": f"Which idea does the lecture discuss about {concept}?",
                              "options": [text[:80], "An unrelated claim", "Nothing at all", "The opposite"],
                              "answer": text[:80], "explanation": f"The lecture says: {text[:120]}",
                              "timestamp_seconds": seconds})
        elif number % 3 == 1:
            questions.append({"kind": "true_false", "question": f"True or false: the lecture says '{text[:80]}'.",
                              "options": ["True", "False"], "answer": "True",
                              "explanation": "It is said in the lecture.", "timestamp_seconds": seconds})
        else:
            questions.append({"kind": "short_answer", "question": f"Explain {concept} in your own words.",
                              "options": [], "answer": text[:120], "explanation": "From the lecture.",
                              "timestamp_seconds": seconds})
    return {"questions": questions}


def _handler_for(fake: FakeLlmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = urlsplit(self.path).path.rstrip("/")
            parts = _batch_route(path) if fake.batches.enabled else None
            if path.endswith("/models"):
                self._send(200, {}, {"object": "list", "data": [
                    {"id": fake.model, "object": "model", "created": 0, "owned_by": "fake"}]})
            elif parts and parts[0] == "files" and len(parts) in (2, 3):
                self._send(*_with_headers(fake.batches.file(parts[1], content=len(parts) == 3)))
            elif parts and parts[0] == "batches" and len(parts) <= 2:
                self._send(*_with_headers(fake.batches.retrieve(parts[1]) if len(parts) == 2
                                          else fake.batches.list()))
            else:
                self._send(404, {}, api_error(f"no route {self.path}", "not_found"))

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            url = urlsplit(self.path)
            parts = _batch_route(url.path.rstrip("/"))
            if parts and not fake.batches.enabled:
                self._send(404, {}, api_error(f"no route {url.path}", "not_found"))
                return
            if parts == ["files"]:
                self._send(*_with_headers(fake.batches.upload(self.headers.get("Content-Type", ""), raw)))
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, {}, api_error("the body is not JSON", "invalid_request_error"))
                return
            if parts == ["batches"]:
                self._send(*_with_headers(fake.batches.create(body)))
            elif parts and len(parts) == 3 and parts[0] == "batches" and parts[2] == "cancel":
                self._send(*_with_headers(fake.batches.cancel(parts[1])))
            elif url.path.rstrip("/").endswith("/chat/completions"):
                fake.queries.append(url.query)
                self._send(*fake.respond(body))
            else:
                self._send(404, {}, api_error(f"no route {url.path}", "not_found"))

        def _send(self, status: int, headers: dict[str, str], payload: dict[str, Any] | bytes) -> None:
            binary = isinstance(payload, bytes)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if binary else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler
