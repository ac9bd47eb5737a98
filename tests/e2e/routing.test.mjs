// Routing through the OpenAI SDK: retries onto a healthy deployment, fallbacks (config,
// request-level, disabled), context-window fallbacks, 429 + Retry-After, cooldowns, the
// x-litellm-timeout header and GET /health. The fake upstream's faults are programmed per
// upstream model id (fake.setFault), so each scenario has its own model ids.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, within, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { expectApiError } from './assertions.mjs';
import { startFakeOpenAI } from './fake-openai.mjs';

const T = { timeout: 15000 };
const hello = [{ role: 'user', content: 'hello' }];

/** One model_list entry on the fake upstream. */
function deployment(fake, alias, upstreamModel, { id, extra = '', apiBase } = {}) {
  return `  - model_name: ${alias}
    litellm_params:
      model: openai/${upstreamModel}
      api_base: ${apiBase ?? fake.baseURL}
      api_key: ${UPSTREAM_KEY}
${extra}${id ? `    model_info:\n      id: ${id}\n` : ''}`;
}

function config(deployments, routerSettings) {
  return `# written by tests/e2e/routing.test.mjs
model_list:
${deployments.join('')}router_settings:
${routerSettings}general_settings:
  master_key: ${MASTER_KEY}
`;
}

function clientFor(gw, opts = {}) {
  return new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000, ...opts });
}

/** Header of an SDK error (a Headers object in openai 6.x; a plain object tolerated). */
function errHeader(err, name) {
  const h = err?.headers;
  if (!h) return undefined;
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  return h[name];
}

/** Awaits p and returns the error it rejects with (fails if it resolves). */
async function rejection(p, what) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: expected an error, got a success`);
}

async function drain(stream) {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

const CONTEXT_ERROR = {
  message: "This model's maximum context length is 10 tokens. However, your messages resulted in 57 tokens.",
  type: 'invalid_request_error',
  param: 'messages',
  code: 'context_length_exceeded',
};

describe('routing: retries, fallbacks, Retry-After, x-litellm-timeout', { timeout: 90000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeOpenAI();
    fake.setFault('rt-pair-bad', { status: 500 });
    fake.setFault('rt-primary-a', { status: 500 });
    fake.setFault('rt-primary-b', { status: 500 });
    fake.setFault('rt-primary2', { status: 500 });
    fake.setFault('rt-small', { status: 400, error: CONTEXT_ERROR });
    fake.setFault('rt-429once', { status: 429, headers: { 'retry-after': '1' }, times: 1 });
    fake.setFault('rt-slow', { delayMs: 3000 });
    fake.setFault('rt-slow1', { delayMs: 1000 });
    const yaml = config(
      [
        deployment(fake, 'pair', 'rt-pair-bad', { id: 'pair-bad' }),
        deployment(fake, 'pair', 'rt-pair-good', { id: 'pair-good' }),
        deployment(fake, 'primary', 'rt-primary-a', { id: 'primary-a' }),
        deployment(fake, 'primary', 'rt-primary-b', { id: 'primary-b' }),
        deployment(fake, 'primary2', 'rt-primary2', { id: 'primary2-only' }),
        deployment(fake, 'backup', 'rt-backup', { id: 'backup-1' }),
        deployment(fake, 'small', 'rt-small', { id: 'small-1' }),
        deployment(fake, 'small-norule', 'rt-small', { id: 'small-norule-1' }),
        deployment(fake, 'large', 'rt-large', { id: 'large-1' }),
        deployment(fake, 'rl', 'rt-429once', { id: 'rl-1' }),
        deployment(fake, 'slow', 'rt-slow', { id: 'slow-1' }),
        deployment(fake, 'slow1', 'rt-slow1', { id: 'slow1-1' }),
      ],
      `  num_retries: 1
  allowed_fails: 100
  fallbacks: [{"primary": ["backup"]}]
  context_window_fallbacks: [{"small": ["large"]}]
`,
    );
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
    client = clientFor(gw);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('alias with one failing deployment: every call lands on the healthy one', T, async () => {
    let sawBad = 0;
    for (let i = 0; i < 10; i++) {
      const stream = i % 2 === 1;
      const badBefore = fake.byModel('rt-pair-bad').length;
      const goodBefore = fake.byModel('rt-pair-good').length;
      const content = `pair ${i}`;
      const messages = [{ role: 'user', content }];
      let text;
      let response;
      if (stream) {
        const r = await within(8000, client.chat.completions.create({ model: 'pair', messages, stream: true }).withResponse(), 'stream');
        response = r.response;
        text = await within(8000, drain(r.data), 'stream drain');
      } else {
        const r = await within(8000, client.chat.completions.create({ model: 'pair', messages }).withResponse(), 'request');
        response = r.response;
        text = r.data.choices[0].message.content;
      }
      assert.equal(response.status, 200);
      assert.equal(text, `Fake answer to: ${content}`, `request ${i} (stream=${stream})`);
      assert.equal(response.headers.get('x-litellm-model-id'), 'pair-good', `request ${i}: served by the healthy deployment`);
      const retries = response.headers.get('x-litellm-attempted-retries');
      assert.ok(retries === '0' || retries === '1', `request ${i}: x-litellm-attempted-retries 0 or 1, got ${retries}`);
      const badCalls = fake.byModel('rt-pair-bad').length - badBefore;
      assert.equal(fake.byModel('rt-pair-good').length - goodBefore, 1, `request ${i}: one call to the healthy deployment`);
      assert.ok(badCalls <= 1, `request ${i}: the failing deployment tried at most once, saw ${badCalls}`);
      assert.equal(retries, String(badCalls), `request ${i}: the retries header counts the failed attempt`);
      assert.equal(response.headers.get('x-litellm-model-group'), 'pair');
      sawBad += badCalls;
    }
    // Not asserted (random routing): just logged for the record.
    console.log(`# pair: failing deployment tried ${sawBad} times in 10 requests`);
  });

  test('config fallbacks: primary all 500 -> 200 from backup', T, async () => {
    fake.reset();
    const { data, response } = await within(
      8000,
      client.chat.completions.create({ model: 'primary', messages: hello }).withResponse(),
      'request',
    );
    assert.equal(response.status, 200);
    assert.equal(data.choices[0].message.content, 'Fake answer to: hello');
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
    assert.equal(response.headers.get('x-litellm-model-id'), 'backup-1');
    assert.equal(fake.byModel('rt-primary-a').length + fake.byModel('rt-primary-b').length, 2, 'primary tried 1 + num_retries times');
    assert.equal(fake.byModel('rt-backup').length, 1, 'backup called once');
  });

  test('config fallbacks on a stream: 200 from backup', T, async () => {
    fake.reset();
    const { data, response } = await within(
      8000,
      client.chat.completions.create({ model: 'primary', messages: hello, stream: true }).withResponse(),
      'stream',
    );
    assert.equal(response.status, 200);
    assert.equal(await within(8000, drain(data), 'drain'), 'Fake answer to: hello');
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
  });

  test('request-level fallbacks: ["backup"] rescues an alias without a rule', T, async () => {
    // Control: primary2 has no fallback rule, so it fails on its own.
    const err = await within(8000, rejection(client.chat.completions.create({ model: 'primary2', messages: hello }), 'primary2'), 'request');
    expectApiError(err, OpenAI.InternalServerError, 502);

    fake.reset();
    const params = { model: 'primary2', messages: hello, fallbacks: ['backup'] };
    const { data, response } = await within(8000, client.chat.completions.create(params).withResponse(), 'request');
    assert.equal(response.status, 200);
    assert.equal(data.choices[0].message.content, 'Fake answer to: hello');
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
    const up = fake.byModel('rt-backup');
    assert.equal(up.length, 1);
    assert.ok(!('fallbacks' in up[0].body), 'the gateway control `fallbacks` is not sent upstream');
    assert.ok(fake.byModel('rt-primary2').length >= 1, 'primary2 was tried first');
  });

  test('disable_fallbacks: true -> InternalServerError 502, backup not called', T, async () => {
    fake.reset();
    const params = { model: 'primary', messages: hello, disable_fallbacks: true };
    const err = await within(8000, rejection(client.chat.completions.create(params), 'disable_fallbacks'), 'request');
    expectApiError(err, OpenAI.InternalServerError, 502);
    assert.equal(fake.byModel('rt-backup').length, 0, 'no fallback attempted');
    assert.equal(fake.byModel('rt-primary-a').length + fake.byModel('rt-primary-b').length, 2);
  });

  test('context_window_fallbacks: small -> large', T, async () => {
    fake.reset();
    const { data, response } = await within(
      8000,
      client.chat.completions.create({ model: 'small', messages: hello }).withResponse(),
      'request',
    );
    assert.equal(response.status, 200);
    assert.equal(data.choices[0].message.content, 'Fake answer to: hello');
    assert.equal(response.headers.get('x-litellm-model-group'), 'large');
    assert.equal(response.headers.get('x-litellm-model-id'), 'large-1');
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(fake.byModel('rt-small').length, 1, 'a context-window error is not retried');
    assert.equal(fake.byModel('rt-large').length, 1);
  });

  test('context window exceeded without a rule -> BadRequestError 400 context_length_exceeded', T, async () => {
    fake.reset();
    const err = await within(
      8000,
      rejection(client.chat.completions.create({ model: 'small-norule', messages: hello }), 'small-norule'),
      'request',
    );
    expectApiError(err, OpenAI.BadRequestError, 400);
    assert.equal(err.error.code, 'context_length_exceeded');
    assert.equal(err.code, 'context_length_exceeded');
    assert.match(err.error.message, /maximum context length/);
    assert.equal(fake.byModel('rt-small').length, 1, 'not retried');
    assert.equal(fake.byModel('rt-large').length, 0, 'the small -> large rule is for `small` only');
  });

  test('429 with Retry-After: 1 once -> 200 after the wait, one retry', T, async () => {
    fake.reset();
    const t0 = Date.now();
    const { data, response } = await within(
      8000,
      client.chat.completions.create({ model: 'rl', messages: hello }).withResponse(),
      'request',
    );
    const elapsed = Date.now() - t0;
    assert.equal(response.status, 200);
    assert.equal(data.choices[0].message.content, 'Fake answer to: hello');
    assert.equal(response.headers.get('x-litellm-attempted-retries'), '1');
    assert.ok(elapsed >= 900, `Retry-After honoured: answered after ${elapsed} ms`);
    assert.ok(elapsed < 5000, `answered after ${elapsed} ms`);
    const calls = fake.byModel('rt-429once');
    assert.equal(calls.length, 2, 'one 429, then one success');
    assert.ok(calls[1].at - calls[0].at >= 900, `retry waited ${calls[1].at - calls[0].at} ms upstream`);
  });

  test('x-litellm-timeout: 0.5 against a 3 s upstream -> 504 quickly', T, async () => {
    fake.reset();
    const t0 = Date.now();
    const err = await within(
      8000,
      rejection(
        client.chat.completions.create({ model: 'slow', messages: hello }, { headers: { 'x-litellm-timeout': '0.5' } }),
        'timeout',
      ),
      'request',
    );
    const elapsed = Date.now() - t0;
    expectApiError(err, OpenAI.InternalServerError, 504);
    assert.ok(elapsed >= 400, `not before the 0.5 s timeout: ${elapsed} ms`);
    assert.ok(elapsed < 2500, `the 0.5 s timeout applies (with num_retries 1): ${elapsed} ms`);
    const calls = fake.byModel('rt-slow');
    assert.ok(calls.length >= 1 && calls.length <= 2, `1..2 upstream attempts, saw ${calls.length}`);
    const dropped = await fake.waitFor(() => calls.every((r) => r.aborted), 2000);
    assert.ok(dropped, 'the gateway dropped the timed-out upstream requests');
  });

  test('x-litellm-timeout: a generous value lets a slow upstream answer', T, async () => {
    const t0 = Date.now();
    const r = await within(
      8000,
      client.chat.completions.create({ model: 'slow1', messages: hello }, { headers: { 'x-litellm-timeout': '5' } }),
      'request',
    );
    assert.equal(r.choices[0].message.content, 'Fake answer to: hello');
    assert.ok(Date.now() - t0 >= 900);
  });

  test('x-litellm-timeout: abc -> BadRequestError 400, no upstream call', T, async () => {
    fake.reset();
    const err = await within(
      8000,
      rejection(
        client.chat.completions.create({ model: 'slow', messages: hello }, { headers: { 'x-litellm-timeout': 'abc' } }),
        'bad timeout',
      ),
      'request',
    );
    expectApiError(err, OpenAI.BadRequestError, 400);
    assert.equal(fake.requests.length, 0);
  });
});

describe('routing: cooldown when every deployment is down', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeOpenAI();
    fake.setFault('rt-down-a', { status: 500 });
    fake.setFault('rt-down-b', { status: 500 });
    const yaml = config(
      [deployment(fake, 'down', 'rt-down-a', { id: 'down-a' }), deployment(fake, 'down', 'rt-down-b', { id: 'down-b' })],
      `  num_retries: 1
  allowed_fails: 0
  cooldown_time: 5
`,
    );
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
    client = clientFor(gw);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('first request 502, then 429 no_healthy_deployment with Retry-After', T, async () => {
    const first = await within(8000, rejection(client.chat.completions.create({ model: 'down', messages: hello }), 'first'), 'request');
    expectApiError(first, OpenAI.InternalServerError, 502);
    const upstreamAfterFirst = fake.requests.length;
    assert.ok(upstreamAfterFirst >= 1 && upstreamAfterFirst <= 2, `1..2 upstream attempts, saw ${upstreamAfterFirst}`);

    const second = await within(8000, rejection(client.chat.completions.create({ model: 'down', messages: hello }), 'second'), 'request');
    expectApiError(second, OpenAI.RateLimitError, 429);
    assert.equal(second.error.code, 'no_healthy_deployment');
    const ra = errHeader(second, 'retry-after');
    assert.ok(ra !== undefined, 'Retry-After header present');
    assert.match(String(ra), /^\d+$/, `Retry-After is an integer number of seconds: ${ra}`);
    assert.ok(Number(ra) >= 1 && Number(ra) <= 5, `Retry-After within the 5 s cooldown: ${ra}`);
    assert.equal(fake.requests.length, upstreamAfterFirst, 'no upstream call while every deployment cools down');
  });
});

describe('GET /health', { timeout: 60000 }, () => {
  let fake;
  let gw;
  before(async () => {
    fake = await startFakeOpenAI();
    const yaml = config(
      [
        deployment(fake, 'up', 'rt-up', { id: 'up-1' }),
        deployment(fake, 'dead', 'rt-dead', { id: 'dead-1', apiBase: 'http://127.0.0.1:9/v1' }),
      ],
      '  num_retries: 0\n',
    );
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('healthy and unhealthy endpoints, no credentials', T, async () => {
    const res = await fetch(`${gw.url}/health`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      signal: AbortSignal.timeout(12000),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text.slice(0, 300));
    const body = JSON.parse(text);
    assert.ok(Array.isArray(body.healthy_endpoints), text);
    assert.ok(Array.isArray(body.unhealthy_endpoints), text);
    assert.equal(body.healthy_count, 1, text);
    assert.equal(body.unhealthy_count, 1, text);
    assert.equal(body.healthy_endpoints.length, 1);
    assert.equal(body.unhealthy_endpoints.length, 1);
    const [ok] = body.healthy_endpoints;
    const [bad] = body.unhealthy_endpoints;
    assert.equal(ok.model_name, 'up');
    assert.equal(bad.model_name, 'dead');
    assert.equal(ok.model_id, 'up-1');
    assert.equal(bad.model_id, 'dead-1');
    assert.equal(bad.api_base, 'http://127.0.0.1:9/v1');
    assert.equal(typeof bad.error, 'string');
    assert.ok(bad.error.length > 0, 'unhealthy endpoint has an error message');
    assert.ok(!('error' in ok), 'healthy endpoint has no error');
    assert.ok(!text.includes(UPSTREAM_KEY), 'no upstream key in the body');
    assert.ok(!text.includes(MASTER_KEY), 'no master key in the body');
    assert.ok(!/api_key/i.test(text), 'no api_key field in the body');
    assert.ok(fake.byModel('rt-up').length >= 1, 'the healthy deployment was probed upstream');
  });

  test('without the master key -> 401', T, async () => {
    const res = await fetch(`${gw.url}/health`, { signal: AbortSignal.timeout(8000) });
    const text = await res.text();
    assert.equal(res.status, 401, text.slice(0, 300));
    const body = JSON.parse(text);
    assert.ok(body.error && typeof body.error.message === 'string', 'OpenAI-shaped error');
    const wrong = await fetch(`${gw.url}/health`, {
      headers: { authorization: 'Bearer sk-wrong' },
      signal: AbortSignal.timeout(8000),
    });
    await wrong.text();
    assert.equal(wrong.status, 401);
  });
});
