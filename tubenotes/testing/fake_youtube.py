"""A fake YouTube: a threaded HTTPS server on 127.0.0.1 speaking YouTube's shapes.

Its certificate comes from a throwaway CA made with ``trustme`` for
www.youtube.com and its sibling hosts; a test trusts it by pointing
``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE`` at :attr:`FakeYouTube.ca_file`.
Clients reach it through :class:`tubenotes.testing.socks5.Socks5Server`,
which sends every host name here and gives each set of credentials its own
client IP, so ``blocked_ips`` blocks nodes one by one.

    with FakeYouTube([FakeVideo("dQw4w9WgXcQ")]) as youtube, \\
            Socks5Server(youtube.address) as socks:
        ...
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from tubenotes.testing.fake_youtube_pages import (
    MISSING_PLAYLIST_DATA,
    FakeAudio,
    FakeCaptionTrack,
    FakePicture,
    FakePlaylist,
    FakeVideo,
    VideoVariant,
    browse_page,
    consent_page,
    oembed_json,
    player_response,
    playlist_data,
    recaptcha_page,
    timedtext_xml,
    watch_initial_data,
    watch_page,
)

if TYPE_CHECKING:
    import trustme

__all__ = ["FakeAudio", "FakeCaptionTrack", "FakePicture", "FakePlaylist", "FakeVideo", "FakeYouTube", "VideoVariant"]

YOUTUBE_HOSTS = (
    "www.youtube.com",
    "youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "www.youtube-nocookie.com",
    "youtu.be",
    "i.ytimg.com",
    "consent.youtube.com",
)
BASE_URL = "https://www.youtube.com"
HANG_LIMIT_SECONDS = 60.0  # a hanging request gives up after this, so a forgotten server cannot hold a test


class FakeYouTube:
    """The fake server, its videos and playlists, and what it has seen.

    ``failing_paths`` maps a path (``/watch``, ``/oembed``...) to an HTTP
    status to answer with; ``hanging_paths`` never answer (until the server
    stops), to prove that clients set timeouts; ``broken_tls_paths`` answer
    with bytes that are no TLS record, as a broken middlebox does. ``ban_after`` blocks an
    address once it has sent that many requests, as YouTube bans busy IPs.
    ``latency`` seconds pass before each answer, as over a real network (for benchmarks).
    """

    def __init__(self, videos: Iterable[FakeVideo] = (), playlists: Iterable[FakePlaylist] = ()) -> None:
        self.videos: dict[str, FakeVideo] = {v.video_id: v for v in videos}
        self.playlists: dict[str, FakePlaylist] = {p.playlist_id: p for p in playlists}
        self.blocked_ips: set[str] = set()
        self.ban_after: int | None = None
        self.failing_paths: dict[str, int] = {}
        self.hanging_paths: set[str] = set()
        self.broken_tls_paths: set[str] = set()
        self.latency = 0.0
        self.requests_by_path: Counter[str] = Counter()
        self.requests_by_ip: Counter[str] = Counter()
        self.streams_requested: Counter[str] = Counter()  # /videoplayback requests by itag
        self._lock = threading.Lock()
        self._ca = _throwaway_ca()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._server: _HttpsServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------

    def __enter__(self) -> FakeYouTube:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._tempdir = tempfile.TemporaryDirectory(prefix="fake-youtube-")
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ca.issue_cert(*YOUTUBE_HOSTS, "127.0.0.1").configure_cert(context)
        self._server = _HttpsServer(("127.0.0.1", 0), _YouTubeHandler, context, self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-youtube", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tempdir is not None:
            self._tempdir.cleanup()
        self._server = self._thread = self._tempdir = None

    # --- what tests use ------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("the fake YouTube is not running: use it as a context manager")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def ca_file(self) -> Path:
        """The PEM file of the CA that signed the fake's certificate."""
        if self._tempdir is None:
            raise RuntimeError("the fake YouTube is not running: use it as a context manager")
        return Path(self._tempdir.name) / "fake-youtube-ca.pem"

    def _count(self, path: str, client_ip: str) -> None:
        with self._lock:
            self.requests_by_path[path] += 1
            self.requests_by_ip[client_ip] += 1
            if self.ban_after is not None and self.requests_by_ip[client_ip] > self.ban_after:
                self.blocked_ips.add(client_ip)


def _throwaway_ca() -> trustme.CA:
    """A CA for this fake alone; trustme is a test extra, so imported only here."""
    try:
        import trustme
    except ImportError as exc:
        raise ImportError(
            "the fake YouTube needs trustme to make its TLS certificate: pip install 'tubenotes[test]'"
        ) from exc
    return trustme.CA()


class _HttpsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, context: ssl.SSLContext, youtube: FakeYouTube) -> None:
        super().__init__(address, handler)
        self.ssl_context = context
        self.youtube = youtube
        self.stopping = threading.Event()

    def finish_request(self, request, client_address) -> None:
        # The TLS handshake happens here, in the request's thread, so a client
        # that stalls mid-handshake cannot block the accept loop.
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with tls:
            super().finish_request(tls, client_address)

    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up (timeouts under test) are expected


class _YouTubeHandler(BaseHTTPRequestHandler):
    server: _HttpsServer
    protocol_version = "HTTP/1.1"
    _body: bytes = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._body = b""
        self._dispatch()

    def do_POST(self) -> None:
        self._body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._dispatch()

    # --- routing -----------------------------------------------------------------

    def _dispatch(self) -> None:
        youtube = self.server.youtube
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        client_ip = self.client_address[0]
        youtube._count(url.path, client_ip)
        if youtube.latency:
            self.server.stopping.wait(youtube.latency)
        if url.path in youtube.hanging_paths:
            self.server.stopping.wait(HANG_LIMIT_SECONDS)
            return
        if url.path in youtube.broken_tls_paths:
            self._break_tls()
            return
        if url.path in youtube.failing_paths:
            self._send(youtube.failing_paths[url.path], "text/plain", "Injected failure")
            return
        blocked = client_ip in youtube.blocked_ips
        routes = {
            "/watch": self._watch,
            "/youtubei/v1/player": self._player,
            "/youtubei/v1/next": self._next,
            "/api/timedtext": self._timedtext,
            "/oembed": self._oembed,
            "/playlist": self._playlist,
            "/youtubei/v1/browse": self._browse,
            "/videoplayback": self._videoplayback,
        }
        route = routes.get(url.path)
        if route is None:
            self._send(404, "text/plain", "Not Found")
            return
        route(query, blocked)

    def _video(self, video_id: str | None, blocked: bool) -> FakeVideo | None:
        video = self.server.youtube.videos.get(video_id or "")
        if video is not None and blocked:
            return FakeVideo(video.video_id, variant=VideoVariant.BLOCKED)
        return video

    def _watch(self, query: dict[str, str], blocked: bool) -> None:
        video = self._video(query.get("v"), blocked)
        if video is None:
            video = FakeVideo(query.get("v", ""), variant=VideoVariant.UNAVAILABLE)
        if video.variant is VideoVariant.RATE_LIMITED:
            self._send(429, "text/html", recaptcha_page())
        elif video.variant is VideoVariant.BLOCKED:
            self._send(200, "text/html", recaptcha_page())
        elif video.variant is VideoVariant.CONSENT and not self._has_consented():
            self._send(200, "text/html", consent_page(video.video_id))
        else:
            self._send(200, "text/html", watch_page(video, BASE_URL))

    def _player(self, query: dict[str, str], blocked: bool) -> None:
        body = json.loads(self._body) if self._body else {}
        video_id = body.get("videoId") or query.get("videoId")
        video = self._video(video_id, blocked) or FakeVideo(video_id or "", variant=VideoVariant.UNAVAILABLE)
        if video.variant is VideoVariant.RATE_LIMITED:
            self._send(429, "application/json", "{}")
        else:
            self._send_json(200, player_response(video, BASE_URL))

    def _next(self, query: dict[str, str], blocked: bool) -> None:
        """The innertube call yt-dlp makes when the watch page lacked ytInitialData."""
        video_id = (json.loads(self._body) if self._body else {}).get("videoId")
        video = self._video(video_id, blocked)
        if video is None or video.variant in (VideoVariant.BLOCKED, VideoVariant.RATE_LIMITED):
            self._send(429 if video else 404, "application/json", "{}")
        else:
            self._send_json(200, watch_initial_data(video))

    def _timedtext(self, query: dict[str, str], blocked: bool) -> None:
        video = self._video(query.get("v"), blocked)
        if video is not None and video.variant in (VideoVariant.BLOCKED, VideoVariant.RATE_LIMITED):
            self._send(429, "text/html", recaptcha_page())
            return
        generated = query.get("kind") == "asr"
        tracks = video.captions if video is not None else []
        track = next(
            (t for t in tracks if t.language_code == query.get("lang") and t.generated == generated),
            None,
        )
        if track is None:
            self._send(404, "text/plain", "Not Found")
            return
        self._send(200, "text/xml", timedtext_xml(track, query.get("tlang")))

    def _oembed(self, query: dict[str, str], blocked: bool) -> None:
        watch_query = parse_qs(urlsplit(query.get("url", "")).query)
        video = self._video(watch_query.get("v", [""])[0], blocked)
        if video is not None and video.variant in (VideoVariant.BLOCKED, VideoVariant.RATE_LIMITED):
            self._send(429, "text/plain", "Too Many Requests")
        elif video is None or video.variant is VideoVariant.UNAVAILABLE:
            self._send(404, "text/plain", "Not Found")
        elif video.variant is VideoVariant.PRIVATE:
            self._send(401, "text/plain", "Unauthorized")
        else:
            self._send_json(200, oembed_json(video))

    def _playlist(self, query: dict[str, str], blocked: bool) -> None:
        if blocked:
            self._send(429, "text/html", recaptcha_page())
            return
        playlist = self.server.youtube.playlists.get(query.get("list", ""))
        title = playlist.title if playlist else "YouTube"
        self._send(200, "text/html", browse_page(title, self._playlist_data(playlist)))

    def _browse(self, query: dict[str, str], blocked: bool) -> None:
        """The innertube browse call yt-dlp makes to reload a playlist."""
        if blocked:
            self._send(429, "application/json", "{}")
            return
        browse_id = (json.loads(self._body) if self._body else {}).get("browseId", "")
        playlist = self.server.youtube.playlists.get(browse_id.removeprefix("VL"))
        self._send_json(200, self._playlist_data(playlist))

    def _videoplayback(self, query: dict[str, str], blocked: bool) -> None:
        """A stream's bytes, whole or the ``Range`` asked for (yt-dlp downloads YouTube streams in chunks)."""
        with self.server.youtube._lock:
            self.server.youtube.streams_requested[query.get("itag", "")] += 1
        video = self._video(query.get("id"), blocked)
        streams = [stream for stream in (video.audio, video.picture) if stream is not None] if video else []
        stream = next((stream for stream in streams if query.get("itag") == str(stream.itag)), None)
        if video is not None and video.variant in (VideoVariant.BLOCKED, VideoVariant.RATE_LIMITED):
            self._send(403, "text/plain", "Forbidden")
            return
        if stream is None:
            self._send(404, "text/plain", "Not Found")
            return
        data, status = stream.data, 200
        headers = {"Accept-Ranges": "bytes"}
        if match := re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or ""):
            first = int(match[1])
            last = min(int(match[2]) if match[2] else len(data) - 1, len(data) - 1)
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            data, status = data[first:last + 1], 206
        self._send_bytes(status, stream.mime_type.split(";")[0], data, headers)

    def _break_tls(self) -> None:
        """Plain bytes where a TLS record should come, written beneath the TLS layer; then the connection ends."""
        raw = socket.socket(fileno=os.dup(self.connection.fileno()))
        try:
            raw.sendall(b"HTTP/1.1 200 OK\r\n\r\nthis is not a TLS record")
        finally:
            raw.close()
        self.close_connection = True

    def _playlist_data(self, playlist: FakePlaylist | None) -> dict:
        if playlist is None:
            return MISSING_PLAYLIST_DATA
        titles = {video_id: video.title for video_id, video in self.server.youtube.videos.items()}
        return playlist_data(playlist, titles)

    # --- helpers -------------------------------------------------------------------

    def _has_consented(self) -> bool:
        cookies = self.headers.get("Cookie") or ""
        return "CONSENT=YES+" in cookies or "SOCS=" in cookies

    def _send_json(self, status: int, data: dict) -> None:
        self._send(status, "application/json", json.dumps(data))

    def _send(self, status: int, content_type: str, body: str) -> None:
        self._send_bytes(status, f"{content_type}; charset=utf-8", body.encode("utf-8"))

    def _send_bytes(self, status: int, content_type: str, payload: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
