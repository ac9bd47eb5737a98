// Errors: every failure is OpenAI-shaped so the SDK raises its typed error with the right status.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { expectApiError } from './assertions.mjs';

const T = { timeout: 10000 };
const hello = [{ role: 'user', content: 'hello' }];

async function rawJson(url, init) {
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

function assertErrorBody(body, text) {
  assert.ok(body && body.error && typeof body.error === 'object', `OpenAI-shaped error body, got ${text.slice(0, 300)}`);
  assert.equal(typeof body.error.message, 'string');
  assert.ok('type' in body.error && 'param' in body.error && 'code' in body.error, `message/type/param/code keys: ${text.slice(0, 300)}`);
}

describe('typed errors via the OpenAI SDK', { timeout: 90000 }, () => {
  let stack;
  let client;
  before(async () => {
    stack = await startStack();
    client = stack.client();
  });
  after(async () => {
    await stack?.stop();
  });

  test('wrong API key -> AuthenticationError 401', T, async () => {
    const bad = stack.client({ apiKey: 'sk-wrong-key' });
    await assert.rejects(bad.chat.completions.create({ model: 'fake-chat', messages: hello }), (e) =>
      expectApiError(e, OpenAI.AuthenticationError, 401),
    );
    await assert.rejects(bad.models.list(), (e) => expectApiError(e, OpenAI.AuthenticationError, 401));
    await assert.rejects(bad.embeddings.create({ model: 'fake-embed', input: 'x' }), (e) =>
      expectApiError(e, OpenAI.AuthenticationError, 401),
    );
  });

  test('missing API key (raw request) -> 401 OpenAI-shaped', T, async () => {
    stack.fake.reset();
    const { res, body, text } = await rawJson(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-chat', messages: hello }),
    });
    assert.equal(res.status, 401);
    assertErrorBody(body, text);
    assert.equal(stack.fake.requests.length, 0, 'no upstream call without auth');
  });

  test('unknown model -> NotFoundError 404', T, async () => {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: hello }), (e) =>
      expectApiError(e, OpenAI.NotFoundError, 404),
    );
    await assert.rejects(client.embeddings.create({ model: 'no-such-model', input: 'x' }), (e) =>
      expectApiError(e, OpenAI.NotFoundError, 404),
    );
  });

  test('messages missing -> BadRequestError 400', T, async () => {
    stack.fake.reset();
    await assert.rejects(client.chat.completions.create({ model: 'fake-chat', messages: undefined }), (e) =>
      expectApiError(e, OpenAI.BadRequestError, 400),
    );
    assert.equal(stack.fake.requests.length, 0, 'rejected by the gateway, not the upstream');
  });

  test('wrong types -> BadRequestError 400', T, async () => {
    await assert.rejects(client.chat.completions.create({ model: 'fake-chat', messages: 'hello' }), (e) =>
      expectApiError(e, OpenAI.BadRequestError, 400),
    );
    await assert.rejects(client.chat.completions.create({ model: 42, messages: hello }), (e) =>
      expectApiError(e, OpenAI.BadRequestError, 400),
    );
  });

  test('malformed JSON (raw request) -> 400 OpenAI-shaped', T, async () => {
    const { res, body, text } = await rawJson(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: '{"model": "fake-chat", "messages": [',
    });
    assert.equal(res.status, 400);
    assertErrorBody(body, text);
  });

  test('upstream 500 -> InternalServerError 502 after retries', T, async () => {
    stack.fake.reset();
    await assert.rejects(client.chat.completions.create({ model: 'fake-500', messages: hello }), (e) =>
      expectApiError(e, OpenAI.InternalServerError, 502),
    );
    const calls = stack.fake.byModel('fake-500-model').length;
    assert.ok(calls >= 1 && calls <= 2, `upstream tried 1..(1 + num_retries=1) times, saw ${calls}`);
  });

  test('upstream 500 on a stream -> InternalServerError 502', T, async () => {
    await assert.rejects(
      (async () => {
        const s = await client.chat.completions.create({ model: 'fake-500-stream', messages: hello, stream: true });
        for await (const _ of s) {
          /* drain */
        }
      })(),
      (e) => expectApiError(e, OpenAI.InternalServerError, 502),
    );
  });

  test('upstream 429 -> RateLimitError 429', T, async () => {
    await assert.rejects(client.chat.completions.create({ model: 'fake-429', messages: hello }), (e) =>
      expectApiError(e, OpenAI.RateLimitError, 429),
    );
  });

  test('upstream 400 -> BadRequestError 400 with the upstream message, no retry', T, async () => {
    stack.fake.reset();
    await assert.rejects(client.chat.completions.create({ model: 'fake-400', messages: hello }), (e) => {
      expectApiError(e, OpenAI.BadRequestError, 400);
      assert.match(e.error.message, /maximum context length/);
      return true;
    });
    assert.equal(stack.fake.byModel('fake-400-model').length, 1, '400 from the provider is not retried');
  });

  test('upstream unreachable -> 502', T, async () => {
    await assert.rejects(client.chat.completions.create({ model: 'fake-dead', messages: hello }), (e) =>
      expectApiError(e, OpenAI.InternalServerError, 502),
    );
  });

  test('upstream timeout -> 504', { timeout: 15000 }, async () => {
    const slowClient = stack.client({ timeout: 12000 });
    const t0 = Date.now();
    await assert.rejects(slowClient.chat.completions.create({ model: 'fake-hang', messages: hello }), (e) =>
      expectApiError(e, OpenAI.InternalServerError, 504),
    );
    assert.ok(Date.now() - t0 < 10000, 'the 1 s deployment timeout is honoured');
  });

  test('unknown route -> 404, wrong method -> 405, both OpenAI-shaped', T, async () => {
    const auth = { authorization: `Bearer ${MASTER_KEY}` };
    const a = await rawJson(`${stack.gw.baseURL}/no/such/route`, { headers: auth });
    assert.equal(a.res.status, 404);
    assertErrorBody(a.body, a.text);
    const b = await rawJson(`${stack.gw.baseURL}/chat/completions`, { method: 'GET', headers: auth });
    assert.equal(b.res.status, 405);
    assertErrorBody(b.body, b.text);
  });

  test('body larger than max_request_size_mb (1) -> 413', T, async () => {
    const big = 'x'.repeat(1536 * 1024);
    await assert.rejects(
      client.chat.completions.create({ model: 'fake-chat', messages: [{ role: 'user', content: big }] }),
      (e) => {
        assert.ok(e instanceof OpenAI.APIError && !(e instanceof OpenAI.APIConnectionError), `APIError with a status, got ${e}`);
        assert.equal(e.status, 413);
        return true;
      },
    );
  });

  test('the gateway still answers after all those errors', T, async () => {
    const r = await client.chat.completions.create({ model: 'fake-chat', messages: hello });
    assert.equal(r.choices[0].message.content, 'Fake answer to: hello');
  });
});
