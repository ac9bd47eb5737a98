// Virtual keys end to end: keys made through the admin API (POST /key/generate, /key/block,
// /key/unblock, /key/delete, GET /key/info, all with the master key) and used by the official
// OpenAI and Anthropic SDKs. Enforcement: unknown / blocked / deleted / expired key -> 401,
// model outside the key's `models` -> 403, rpm_limit -> 429 with Retry-After, max_budget spent
// -> 400 budget_exceeded; cost headers on a priced mock deployment (docs/keys.md).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, MASTER_KEY } from './gateway.mjs';
import { expectApiError } from './assertions.mjs';

const T = { timeout: 10000 };
const hello = [{ role: 'user', content: 'hello there' }];

// Prices of the priced mock deployment (USD per token).
const IN_PRICE = 0.001;
const OUT_PRICE = 0.002;

function config() {
  return `# written by tests/e2e/keys.test.mjs
model_list:
  - model_name: echo
    litellm_params:
      model: mock/echo
  - model_name: echo-other
    litellm_params:
      model: mock/echo
  - model_name: echo-priced
    litellm_params:
      model: mock/echo
      input_cost_per_token: ${IN_PRICE}
      output_cost_per_token: ${OUT_PRICE}
router_settings:
  num_retries: 0
  allowed_fails: 50
general_settings:
  master_key: ${MASTER_KEY}
  database_url: sqlite:///switchyard.db
`;
}

async function rawJson(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(8000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { res, text, body };
}

/** Asserts err is an Anthropic SDK error of cls with the status, no secret echoed. */
function expectAnthropicError(err, cls, status) {
  const name = `${err?.constructor?.name} status=${err?.status} message=${err?.message}`;
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${name}`);
  assert.equal(err.status, status, `status (${name})`);
  assert.ok(!JSON.stringify(err.error ?? {}).includes(MASTER_KEY), 'no master key echoed');
  return true;
}

/** Waits, when the clock minute is about to end, for the next one (rate windows are per minute). */
async function awayFromMinuteEdge(marginS = 6) {
  const s = new Date().getSeconds() + new Date().getMilliseconds() / 1000;
  if (s > 60 - marginS) await new Promise((r) => setTimeout(r, (60 - s) * 1000 + 250));
}

describe('virtual keys via the OpenAI and Anthropic SDKs', { timeout: 120000 }, () => {
  let gw;
  let master;

  const openai = (apiKey, opts = {}) =>
    new OpenAI({ baseURL: gw.baseURL, apiKey, maxRetries: 0, timeout: 10000, ...opts });
  const anthropic = (apiKey) => new Anthropic({ baseURL: gw.url, apiKey, maxRetries: 0, timeout: 10000 });

  async function admin(method, path, body, key = MASTER_KEY) {
    return rawJson(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** POST /key/generate with the master key; returns the answer's body (key shown once). */
  async function generate(fields = {}) {
    const { res, body, text } = await admin('POST', '/key/generate', fields);
    assert.equal(res.status, 200, `/key/generate: ${text.slice(0, 500)}`);
    assert.ok(body && typeof body.key === 'string', `key in the answer: ${text.slice(0, 500)}`);
    assert.match(body.key, /^sk-/);
    assert.equal(typeof body.token, 'string', 'the hash is returned as token');
    assert.notEqual(body.token, body.key, 'token is the hash, not the key');
    return body;
  }

  async function block(key) {
    const { res, text } = await admin('POST', '/key/block', { key });
    assert.equal(res.status, 200, `/key/block: ${text.slice(0, 500)}`);
  }

  before(async () => {
    gw = await startGateway(config());
    master = openai(MASTER_KEY);
  });
  after(async () => {
    await gw?.stop();
  });

  test('/key/generate answers the key, its hash and the fields set', T, async () => {
    const g = await generate({ key_alias: 'e2e-fields', models: ['echo'], rpm_limit: 7, max_budget: 3.5 });
    assert.equal(g.key_alias, 'e2e-fields');
    assert.deepEqual(g.models, ['echo']);
    assert.equal(g.rpm_limit, 7);
    assert.equal(g.max_budget, 3.5);

    const custom = await generate({ key: 'sk-e2e-custom-key-0001', key_alias: 'e2e-custom' });
    assert.equal(custom.key, 'sk-e2e-custom-key-0001', 'a custom sk- key is kept as given');
    const r = await openai(custom.key).chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(r.choices[0].message.content, 'hello there');
  });

  test('a generated key works for chat, non-stream and stream', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-chat', models: ['echo', 'echo-priced'] });
    const client = openai(key);

    const r = await client.chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'hello there');
    assert.ok(r.usage && r.usage.total_tokens > 0, `usage: ${JSON.stringify(r.usage)}`);

    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'stream me some words' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.ok(chunks > 1, 'several chunks');
    assert.equal(text, 'stream me some words');
    assert.equal(finish, 'stop');
  });

  test('the key is accepted in every header the master key is', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-headers', models: ['echo'] });
    for (const headers of [
      { authorization: `Bearer ${key}` },
      { 'x-api-key': key },
      { 'api-key': key },
      { 'x-litellm-api-key': key },
    ]) {
      const { res, body, text } = await rawJson(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'echo', messages: hello }),
      });
      assert.equal(res.status, 200, `${Object.keys(headers)[0]}: ${text.slice(0, 300)}`);
      assert.equal(body.choices[0].message.content, 'hello there');
    }
  });

  test('an unknown key -> AuthenticationError 401', T, async () => {
    const bad = openai('sk-no-such-virtual-key-1234');
    await assert.rejects(bad.chat.completions.create({ model: 'echo', messages: hello }), (e) =>
      expectApiError(e, OpenAI.AuthenticationError, 401),
    );
    await assert.rejects(
      (async () => {
        const s = await bad.chat.completions.create({ model: 'echo', messages: hello, stream: true });
        for await (const _ of s) {
          /* drain */
        }
      })(),
      (e) => expectApiError(e, OpenAI.AuthenticationError, 401),
    );
  });

  test('a blocked key -> AuthenticationError 401; unblocked it works again', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-block' });
    const client = openai(key);
    const ok = await client.chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(ok.choices[0].message.content, 'hello there');

    await block(key);
    await assert.rejects(client.chat.completions.create({ model: 'echo', messages: hello }), (e) => {
      expectApiError(e, OpenAI.AuthenticationError, 401);
      assert.equal(e.type, 'authentication_error');
      assert.ok(!JSON.stringify(e.error).includes(key), 'the key is not echoed');
      return true;
    });

    const { res, text } = await admin('POST', '/key/unblock', { key });
    assert.equal(res.status, 200, `/key/unblock: ${text.slice(0, 300)}`);
    const again = await client.chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(again.choices[0].message.content, 'hello there');
  });

  test('a deleted key -> AuthenticationError 401', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-delete' });
    const client = openai(key);
    await client.chat.completions.create({ model: 'echo', messages: hello });
    const { res, body, text } = await admin('POST', '/key/delete', { keys: [key] });
    assert.equal(res.status, 200, `/key/delete: ${text.slice(0, 300)}`);
    assert.ok(Array.isArray(body.deleted_keys) && body.deleted_keys.length === 1, text);
    await assert.rejects(client.chat.completions.create({ model: 'echo', messages: hello }), (e) =>
      expectApiError(e, OpenAI.AuthenticationError, 401),
    );
  });

  test('an expired key (duration 1s) -> AuthenticationError 401', T, async () => {
    const { key, expires } = await generate({ key_alias: 'e2e-expiring', duration: '1s' });
    assert.ok(expires, 'duration sets expires');
    const r = await openai(key).chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(r.choices[0].message.content, 'hello there', 'works before it expires');
    await new Promise((r) => setTimeout(r, 2200));
    await assert.rejects(openai(key).chat.completions.create({ model: 'echo', messages: hello }), (e) =>
      expectApiError(e, OpenAI.AuthenticationError, 401),
    );
  });

  test('a model outside the key\'s models -> PermissionDeniedError 403', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-models', models: ['echo'] });
    const client = openai(key);
    await assert.rejects(client.chat.completions.create({ model: 'echo-other', messages: hello }), (e) => {
      expectApiError(e, OpenAI.PermissionDeniedError, 403);
      assert.equal(e.code, 'key_model_access_denied');
      assert.match(e.error.message, /echo-other/);
      return true;
    });
    await assert.rejects(
      (async () => {
        const s = await client.chat.completions.create({ model: 'echo-other', messages: hello, stream: true });
        for await (const _ of s) {
          /* drain */
        }
      })(),
      (e) => expectApiError(e, OpenAI.PermissionDeniedError, 403),
    );
    // The allowed model still works.
    const r = await client.chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(r.choices[0].message.content, 'hello there');
  });

  test('a virtual key is refused on the admin routes (403)', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-not-admin' });
    const { res, body, text } = await admin('POST', '/key/generate', { key_alias: 'e2e-sneaky' }, key);
    assert.equal(res.status, 403, text.slice(0, 300));
    assert.ok(body?.error, `OpenAI-shaped error: ${text.slice(0, 300)}`);
  });

  test('rpm_limit 2 -> the third call raises RateLimitError 429 with Retry-After', { timeout: 20000 }, async () => {
    const { key } = await generate({ key_alias: 'e2e-rpm', rpm_limit: 2 });
    const client = openai(key); // maxRetries: 0, so the SDK does not retry the 429
    await awayFromMinuteEdge();
    const first = await client.chat.completions.create({ model: 'echo', messages: hello }).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
    await client.chat.completions.create({ model: 'echo', messages: hello });
    await assert.rejects(client.chat.completions.create({ model: 'echo', messages: hello }), (e) => {
      expectApiError(e, OpenAI.RateLimitError, 429);
      assert.equal(e.type, 'rate_limit_error');
      const ra = e.headers?.get('retry-after');
      assert.ok(ra !== null && ra !== undefined, 'Retry-After header on the 429');
      assert.ok(/^\d+$/.test(ra) && Number(ra) >= 0 && Number(ra) <= 60, `Retry-After in seconds, got ${ra}`);
      assert.equal(e.headers.get('x-ratelimit-remaining-requests'), '0');
      return true;
    });
    // Another key is not affected by this key's limit.
    const { key: other } = await generate({ key_alias: 'e2e-rpm-other', rpm_limit: 2 });
    const r = await openai(other).chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(r.choices[0].message.content, 'hello there');
  });

  test('max_budget spent -> BadRequestError 400 budget_exceeded on the next call', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-budget', max_budget: 0.000001 });
    const client = openai(key);
    // Spend 0 < budget: admitted; its cost (several tokens at 0.001 / 0.002) spends the budget.
    const first = await client.chat.completions.create({ model: 'echo-priced', messages: hello }).withResponse();
    assert.equal(first.data.choices[0].message.content, 'hello there');
    const spend = Number(first.response.headers.get('x-litellm-key-spend'));
    assert.ok(spend > 0.000001, `x-litellm-key-spend ${first.response.headers.get('x-litellm-key-spend')}`);
    assert.equal(Number(first.response.headers.get('x-litellm-key-max-budget')), 0.000001);

    await assert.rejects(client.chat.completions.create({ model: 'echo-priced', messages: hello }), (e) => {
      expectApiError(e, OpenAI.BadRequestError, 400);
      assert.equal(e.error?.type ?? e.type, 'budget_exceeded');
      assert.match(e.error.message, /[Bb]udget/);
      return true;
    });
    // The budget is the key's, not the model's: a free model is refused as well.
    await assert.rejects(client.chat.completions.create({ model: 'echo', messages: hello }), (e) => {
      expectApiError(e, OpenAI.BadRequestError, 400);
      assert.equal(e.type, 'budget_exceeded');
      return true;
    });

    // /key/info reports the spend recorded.
    const info = await admin('GET', `/key/info?key=${encodeURIComponent(key)}`);
    assert.equal(info.res.status, 200, info.text.slice(0, 300));
    assert.ok(info.body.info.spend > 0, `spend in /key/info: ${info.text.slice(0, 300)}`);
    assert.equal(info.body.info.max_budget, 0.000001);
  });

  test('x-litellm-response-cost on a priced model equals usage x prices', T, async () => {
    // With the master key...
    const m = await master.chat.completions.create({ model: 'echo-priced', messages: hello }).withResponse();
    const u = m.data.usage;
    const expected = u.prompt_tokens * IN_PRICE + u.completion_tokens * OUT_PRICE;
    const header = m.response.headers.get('x-litellm-response-cost');
    assert.ok(header !== null, 'x-litellm-response-cost present');
    assert.ok(Math.abs(Number(header) - expected) < 1e-9, `cost ${header}, expected ${expected}`);

    // ...and with a virtual key, which also gets its spend.
    const { key } = await generate({ key_alias: 'e2e-cost' });
    const v = await openai(key).chat.completions.create({ model: 'echo-priced', messages: hello }).withResponse();
    const vu = v.data.usage;
    const vexp = vu.prompt_tokens * IN_PRICE + vu.completion_tokens * OUT_PRICE;
    const vcost = Number(v.response.headers.get('x-litellm-response-cost'));
    assert.ok(Math.abs(vcost - vexp) < 1e-9, `cost ${vcost}, expected ${vexp}`);
    assert.ok(Math.abs(Number(v.response.headers.get('x-litellm-key-spend')) - vexp) < 1e-9, 'key spend = this call');

    // A free model: no cost, or a zero cost.
    const f = await master.chat.completions.create({ model: 'echo', messages: hello }).withResponse();
    const fc = f.response.headers.get('x-litellm-response-cost');
    assert.ok(fc === null || Number(fc) === 0, `free model cost ${fc}`);
  });

  test('a streamed answer on a priced model is charged to the key when the stream ends', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-stream-cost' });
    const stream = await openai(key).chat.completions.create({
      model: 'echo-priced',
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage = null;
    let text = '';
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) text += c.delta?.content ?? '';
    }
    assert.equal(text, 'hello there');
    assert.ok(usage, 'usage chunk');
    const expected = usage.prompt_tokens * IN_PRICE + usage.completion_tokens * OUT_PRICE;
    // The stream settles when its last chunk is sent, which may trail the client reading it by
    // a moment: poll briefly.
    let info;
    for (const deadline = Date.now() + 2000; ; ) {
      info = await admin('GET', `/key/info?key=${encodeURIComponent(key)}`);
      assert.equal(info.res.status, 200, info.text.slice(0, 300));
      if (info.body.info.spend > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(Math.abs(info.body.info.spend - expected) < 1e-9, `spend ${info.body.info.spend}, expected ${expected}`);
  });

  test('Anthropic SDK: a spent budget -> BadRequestError 400 on /v1/messages', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-anthropic-budget', max_budget: 0.000001 });
    const client = anthropic(key);
    const req = { model: 'echo-priced', max_tokens: 20, messages: [{ role: 'user', content: 'spend it' }] };
    const first = await client.messages.create(req);
    assert.equal(first.content[0].text, 'spend it');
    await assert.rejects(client.messages.create(req), (e) => {
      expectAnthropicError(e, Anthropic.BadRequestError, 400);
      assert.match(JSON.stringify(e.error), /[Bb]udget/);
      return true;
    });
  });

  test('Anthropic SDK: messages.create and stream with a virtual key (x-api-key)', T, async () => {
    const { key } = await generate({ key_alias: 'e2e-anthropic', models: ['echo'] });
    const client = anthropic(key);
    const msg = await client.messages.create({
      model: 'echo',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'repeat after me' }],
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.content[0].type, 'text');
    assert.equal(msg.content[0].text, 'repeat after me');

    const stream = client.messages.stream({ model: 'echo', max_tokens: 50, messages: [{ role: 'user', content: 'stream it back' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.equal(text, 'stream it back');
    assert.equal(final.content[0].text, 'stream it back');

    // The key's model list holds on /v1/messages too.
    await assert.rejects(
      client.messages.create({ model: 'echo-other', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => expectAnthropicError(e, Anthropic.PermissionDeniedError, 403),
    );
  });

  test('Anthropic SDK: unknown and blocked keys -> AuthenticationError 401', T, async () => {
    const req = { model: 'echo', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    await assert.rejects(anthropic('sk-no-such-virtual-key-5678').messages.create(req), (e) =>
      expectAnthropicError(e, Anthropic.AuthenticationError, 401),
    );

    const { key } = await generate({ key_alias: 'e2e-anthropic-block' });
    const client = anthropic(key);
    const ok = await client.messages.create(req);
    assert.equal(ok.content[0].text, 'x');
    await block(key);
    await assert.rejects(client.messages.create(req), (e) => expectAnthropicError(e, Anthropic.AuthenticationError, 401));
    await assert.rejects(
      (async () => {
        const s = client.messages.stream(req);
        await s.finalMessage();
      })(),
      (e) => expectAnthropicError(e, Anthropic.AuthenticationError, 401),
    );
  });

  test('the master key still works after all that', T, async () => {
    const r = await master.chat.completions.create({ model: 'echo', messages: hello });
    assert.equal(r.choices[0].message.content, 'hello there');
  });
});
