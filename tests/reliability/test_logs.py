"""The running server's logs: JSON lines an operator's tools can read, each line naming its request."""

from __future__ import annotations

import json

import httpx


def test_production_logs_are_json_lines_that_name_their_request(live_server):
    server = live_server(LOG_FORMAT="json")
    response = httpx.get(server.url + "/hromadas?q=вінн", headers={"x-request-id": "trace-0123456789abcdef"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-0123456789abcdef"
    server.stop()
    lines = [line for line in server.log_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON, start-up and shut-down included
    assert {"time", "level", "logger", "message", "request_id"} <= set(records[0])
    access = [r for r in records if r["logger"] == "uvicorn.access" and "/hromadas" in r["message"]]
    assert access and access[0]["request_id"] == "trace-0123456789abcdef"
    assert all(r["request_id"] == "-" for r in records if r["logger"] == "uvicorn.error")


def test_development_logs_are_readable_lines_with_the_request_id(live_server):
    server = live_server()
    response = httpx.get(server.url + "/hromadas")
    server.stop()
    request_id = response.headers["x-request-id"]
    line = next(line for line in server.log_text().splitlines() if "/hromadas" in line)
    assert f"[{request_id}]" in line and "uvicorn.access" in line
