// The built-in mock provider, response headers, auth header variants and health routes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, MASTER_KEY } from './gateway.mjs';

const T = { timeout: 10000 };
const PROXY_HEADERS = [
  'x-request-id',
  'x-litellm-call-id',
  'x-litellm-model-id',
  'x-litellm-model-group',
  'x-litellm-model-api-base',
  'x-litellm-response-duration-ms',
  'x-litellm-overhead-duration-ms',
];

describe('mock provider, headers and auth variants', { timeout: 60000 }, () => {
  let stack;
  let client;
  before(async () => {
    stack = await startStack();
    client = stack.client();
  });
  after(async () => {
    await stack?.stop();
  });

  test('mock/echo answers with the prompt', T, async () => {
    const prompt = 'The quick brown fox jumps over the lazy dog.';
    const r = await client.chat.completions.create({
      model: 'echo',
      messages: [
        { role: 'system', content: 'ignored' },
        { role: 'user', content: 'an earlier turn' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: prompt },
      ],
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, prompt);
    assert.equal(r.choices[0].finish_reason, 'stop');
    // Usage: ceil(chars/4) estimates.
    assert.equal(r.usage.completion_tokens, Math.ceil(prompt.length / 4));
    assert.ok(r.usage.prompt_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  test('mock/echo answers with the text of a content-parts message', T, async () => {
    const r = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'parts work too' }] }],
    });
    assert.equal(r.choices[0].message.content, 'parts work too');
  });

  test('mock/echo stream: word chunks assemble to the prompt, usage chunk on request', T, async () => {
    const prompt = 'one two three four five';
    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    let content = '';
    for await (const c of stream) {
      chunks.push(c);
      assert.equal(c.object, 'chat.completion.chunk');
      content += c.choices[0]?.delta?.content ?? '';
    }
    assert.equal(content, prompt);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta?.content);
    assert.ok(contentChunks.length >= 5, `split into word chunks (got ${contentChunks.length})`);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0].choices[0].finish_reason, 'stop');
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.completion_tokens, Math.ceil(prompt.length / 4));
  });

  test('request-body mock_response on an upstream alias is answered without an upstream call', T, async () => {
    stack.fake.reset();
    const r = await client.chat.completions.create({
      model: 'fake-chat',
      messages: [{ role: 'user', content: 'hi' }],
      mock_response: 'canned answer',
    });
    assert.equal(r.choices[0].message.content, 'canned answer');
    assert.equal(stack.fake.requests.length, 0, 'the fake upstream was not called');
  });

  test('withResponse(): proxy headers on a non-stream upstream answer', T, async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'fake-chat', messages: [{ role: 'user', content: 'headers' }] })
      .withResponse();
    assert.equal(data.choices[0].message.content, 'Fake answer to: headers');
    for (const h of PROXY_HEADERS) assert.ok(response.headers.get(h), `${h} present`);
    assert.equal(response.headers.get('x-litellm-model-group'), 'fake-chat');
    assert.ok(!/sk-upstream-e2e/.test([...response.headers].join('\n')), 'no secret in the headers');
  });

  test('asResponse(): proxy headers on a stream and on the mock provider', T, async () => {
    const res = await client.chat.completions
      .create({ model: 'fake-chat', messages: [{ role: 'user', content: 'stream headers' }], stream: true })
      .asResponse();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(res.headers.get('x-request-id'), 'x-request-id present on a stream');
    assert.equal(res.headers.get('x-litellm-model-group'), 'fake-chat');
    const body = await res.text();
    assert.match(body, /data: \[DONE\]/);

    const res2 = await client.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'mock headers' }] })
      .asResponse();
    assert.equal(res2.status, 200);
    assert.ok(res2.headers.get('x-request-id'));
    assert.equal(res2.headers.get('x-litellm-model-group'), 'echo');
    await res2.text();
  });

  test('x-request-id: the client value is kept, else a fresh one is generated', T, async () => {
    const { response } = await client.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'rid' }] }, { headers: { 'x-request-id': 'e2e-req-0042' } })
      .withResponse();
    assert.equal(response.headers.get('x-request-id'), 'e2e-req-0042');
    const a = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'a' }] }).withResponse();
    const b = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'b' }] }).withResponse();
    assert.ok(a.response.headers.get('x-request-id'));
    assert.notEqual(a.response.headers.get('x-request-id'), b.response.headers.get('x-request-id'), 'ids differ per request');
  });

  test('auth headers: x-api-key, api-key and x-litellm-api-key are accepted', T, async () => {
    for (const h of ['x-api-key', 'api-key', 'x-litellm-api-key']) {
      const res = await fetch(`${stack.gw.baseURL}/models`, { headers: { [h]: MASTER_KEY }, signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200, `${h} accepted`);
      const j = await res.json();
      assert.equal(j.object, 'list');
    }
  });

  test('health: liveliness and readiness need no key', T, async () => {
    for (const p of ['/health/liveliness', '/health/liveness', '/health/readiness']) {
      const res = await fetch(`${stack.gw.url}${p}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200, `${p} -> 200`);
      await res.text();
    }
    const ready = await (await fetch(`${stack.gw.url}/health/readiness`, { signal: AbortSignal.timeout(5000) })).json();
    assert.equal(ready.status, 'connected');
  });
});
