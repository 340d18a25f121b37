"""The plain Python async client of scripts/compare/throughput.sh.

Sends the same choice requests the runner sends for `--experiment native --reports 0` (prompt
built exactly as src/prompts.rs builds it, from the frozen contexts.jsonl), to the same
loopback server, at the same concurrency, with one aiohttp session (keep-alive pool), and
parses each JSON answer. Prints one JSON line: requests, seconds, requests_per_s, errors.
The runner does more per request (prompt hashing, parsing, a journal line per result), so the
comparison is conservative for the runner.
"""
import argparse, asyncio, json, sys, time

import aiohttp

SYSTEM = ("You are helping with a study of decision making. In each task you make a hypothetical decision on "
          "behalf of a person or character described in the task, choosing as you think best for them.")


def lines(ctx, values):
    return "".join(f"{a['name']}: {v:.{a['decimals']}f} {a['units']}\n" for a, v in zip(ctx['attributes'], values))


def choice_prompt(ctx, pair):
    scen = f"{ctx['question']}\n\nA:\n" + lines(ctx, pair['A']) + "\nB:\n" + lines(ctx, pair['B'])
    return ('[DECISION TASK]\nRespond with exactly one letter, "A" or "B", and nothing else.\n\n' + scen.rstrip())


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--base-url', required=True)
    ap.add_argument('--contexts-jsonl', required=True)
    ap.add_argument('--model', default='faithful')
    ap.add_argument('--concurrency', type=int, default=64)
    a = ap.parse_args()
    bodies = []
    for line in open(a.contexts_jsonl):
        ctx = json.loads(line)
        if ctx['split'] != 'native':
            continue
        for pair in ctx['pairs']:
            bodies.append(json.dumps({
                'model': a.model, 'max_tokens': 1, 'temperature': 0.0, 'logprobs': True, 'top_logprobs': 20,
                'messages': [{'role': 'system', 'content': SYSTEM}, {'role': 'user', 'content': choice_prompt(ctx, pair)}],
            }))
    url = a.base_url.rstrip('/') + '/chat/completions'
    queue = iter(bodies)
    errors = 0

    async def worker(session):
        nonlocal errors
        for body in queue:
            async with session.post(url, data=body, headers={'content-type': 'application/json'}) as r:
                data = await r.json()
                if r.status != 200 or not data.get('choices'):
                    errors += 1

    conn = aiohttp.TCPConnector(limit=a.concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(a.concurrency)))
        dt = time.perf_counter() - t0
    print(json.dumps({'client': 'python-aiohttp', 'requests': len(bodies), 'seconds': round(dt, 3),
                      'requests_per_s': round(len(bodies) / dt, 1), 'errors': errors}))


if __name__ == '__main__':
    asyncio.run(main())
