"""`selfinterp serve-sim` read by the official OpenAI Python SDK, as a user's own code would:
the model list, a choice with log-probabilities, a streamed report, n choices and errors.
The prompts are the benchmark's own, taken from `selfinterp batch export`."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import selfinterp

import openai  # noqa: E402  (.ci/run installs it into the test venv; missing is a failure, not a skip)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A faithful agent served on a free loopback port; yields its base URL."""
    proc = subprocess.Popen(
        [selfinterp.find_binary(), "serve-sim", "--agent", "faithful", "--port", "0", "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1"), base
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def client(server: str) -> Any:
    return openai.OpenAI(base_url=server, api_key="unused", max_retries=0)


@pytest.fixture(scope="module")
def bodies(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Dict[str, Any]]:
    """The first choice and the first report request of the benchmark, as batch bodies."""
    d = tmp_path_factory.mktemp("batch")
    out = d / "requests.jsonl"
    selfinterp_args = [
        "batch", "export", "--provider", "openai", "--model", "faithful",
        "--experiment", "native", "--contexts", "1", "--trials", "2", "--reports", "1",
        "--out", str(out),
    ]
    subprocess.run([selfinterp.find_binary(), *selfinterp_args], cwd=d, check=True, capture_output=True)
    found: Dict[str, Dict[str, Any]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        body = json.loads(line)["body"]
        kind = "choice" if body.get("max_tokens") == 1 else "report"
        found.setdefault(kind, body)
    assert set(found) == {"choice", "report"}, found.keys()
    return found


def test_models_list_names_the_agent(client: Any):
    ids = [m.id for m in client.models.list()]
    assert ids == ["faithful"]
    assert client.models.retrieve("faithful").id == "faithful"


def test_a_choice_with_logprobs(client: Any, bodies: Dict[str, Dict[str, Any]]):
    r = client.chat.completions.create(
        model="faithful",
        messages=bodies["choice"]["messages"],
        max_tokens=1,
        temperature=0,
        logprobs=True,
        top_logprobs=2,
    )
    choice = r.choices[0]
    assert choice.message.content in ("A", "B")
    assert choice.finish_reason == "length"
    top = choice.logprobs.content[0].top_logprobs
    assert sorted(t.token for t in top) == ["A", "B"]
    # A and B share all the probability mass: P(A) + P(B) = 1.
    assert sum(math.exp(t.logprob) for t in top) == pytest.approx(1.0, abs=1e-9)
    assert r.usage.completion_tokens == 1 and r.usage.prompt_tokens > 0
    assert r.created > 1_700_000_000


def test_a_streamed_report_adds_up_to_the_unstreamed_one(client: Any, bodies: Dict[str, Dict[str, Any]]):
    messages = bodies["report"]["messages"]
    whole = client.chat.completions.create(model="faithful", messages=messages, max_tokens=300)
    stream = client.chat.completions.create(
        model="faithful",
        messages=messages,
        max_tokens=300,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert len(chunks) >= 3
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    weights = json.loads(text)
    assert len(weights) == 5
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens


def test_n_choices(client: Any, bodies: Dict[str, Dict[str, Any]]):
    r = client.chat.completions.create(
        model="faithful", messages=bodies["choice"]["messages"], max_tokens=1, n=5
    )
    assert [c.index for c in r.choices] == [0, 1, 2, 3, 4]
    assert all(c.message.content in ("A", "B") for c in r.choices)


def test_an_unknown_model_raises_not_found(client: Any, bodies: Dict[str, Dict[str, Any]]):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=bodies["choice"]["messages"])
    assert e.value.status_code == 404
    assert e.value.code == "model_not_found"


def test_a_prompt_the_agent_cannot_read_is_a_bad_request(client: Any):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="faithful", messages=[{"role": "user", "content": "What is the capital of France?"}]
        )
