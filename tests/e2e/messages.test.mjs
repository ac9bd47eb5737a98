// POST /v1/messages through the official Anthropic SDK: Anthropic-format clients (Claude Code, the
// SDK) served by an alias on the fake OpenAI upstream and by the mock provider. Non-stream and
// stream (messages.stream with text events and finalMessage), tools, typed errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startStack, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';

const T = { timeout: 10000 };
const hello = [{ role: 'user', content: 'hello there' }];
const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['location'],
  },
};

function assertMessage(msg, model) {
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.match(msg.id, /^msg_/);
  assert.equal(msg.model, model);
  assert.ok(Array.isArray(msg.content));
  assert.equal(typeof msg.usage.input_tokens, 'number');
  assert.equal(typeof msg.usage.output_tokens, 'number');
}

/** Asserts err is an instance of cls with the status and an Anthropic-shaped body, no secret echoed. */
function expectAnthropicError(err, cls, status, type) {
  const name = `${err?.constructor?.name} status=${err?.status} message=${err?.message}`;
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${name}`);
  assert.equal(err.status, status, name);
  assert.equal(err.error?.type, 'error', `Anthropic-shaped body: ${JSON.stringify(err.error)}`);
  assert.equal(err.error?.error?.type, type, JSON.stringify(err.error));
  assert.ok(err.error.error.message.length > 0);
  for (const secret of [MASTER_KEY, UPSTREAM_KEY]) assert.ok(!JSON.stringify(err.error).includes(secret));
  return true;
}

describe('/v1/messages via the Anthropic SDK', { timeout: 90000 }, () => {
  let stack;
  let client;
  before(async () => {
    stack = await startStack();
    client = new Anthropic({ baseURL: stack.gw.url, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
  });
  after(async () => {
    if (stack) await stack.stop();
  });

  test('messages.create over the OpenAI upstream', T, async () => {
    stack.fake.reset();
    const msg = await client.messages.create({
      model: 'fake-chat',
      max_tokens: 100,
      system: 'You are terse.',
      messages: hello,
      temperature: 0.3,
      stop_sequences: ['STOP'],
    });
    assertMessage(msg, 'fake-chat');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Fake answer to: hello there' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.stop_sequence, null);
    assert.ok(msg.usage.output_tokens > 0);
    const up = stack.fake.requests.at(-1);
    assert.equal(up.path, '/v1/chat/completions');
    assert.equal(up.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assert.deepEqual(up.body.messages, [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'hello there' },
    ]);
    assert.equal(up.body.max_tokens, 100);
    assert.deepEqual(up.body.stop, ['STOP']);
  });

  test('messages.create with the mock echo provider', T, async () => {
    const msg = await client.messages.create({ model: 'echo', max_tokens: 50, messages: [{ role: 'user', content: 'repeat after me' }] });
    assertMessage(msg, 'echo');
    assert.equal(msg.content[0].text, 'repeat after me');
    assert.ok(msg.usage.input_tokens > 0);
  });

  for (const model of ['fake-chat', 'echo']) {
    test(`messages.stream with text events and finalMessage (${model})`, T, async () => {
      let text = '';
      const events = [];
      const stream = client.messages.stream({ model, max_tokens: 100, messages: hello });
      stream.on('text', (delta) => {
        text += delta;
      });
      stream.on('streamEvent', (ev) => events.push(ev.type));
      const final = await stream.finalMessage();
      assertMessage(final, model);
      const expected = model === 'echo' ? 'hello there' : 'Fake answer to: hello there';
      assert.equal(text, expected);
      assert.equal(final.content[0].text, expected);
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 0, JSON.stringify(final.usage));
      assert.equal(events[0], 'message_start');
      assert.equal(events.at(-1), 'message_stop');
      assert.equal(events.at(-2), 'message_delta');
    });
  }

  test('messages.create with stream: true yields the raw event sequence', T, async () => {
    const stream = await client.messages.create({ model: 'fake-chat', max_tokens: 100, messages: hello, stream: true });
    const types = [];
    for await (const ev of stream) types.push(ev.type);
    assert.deepEqual(types.slice(0, 2), ['message_start', 'content_block_start']);
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(types.filter((t) => t === 'content_block_delta').length >= 2);
  });

  test('tools: tool_use then tool_result round trip', T, async () => {
    stack.fake.reset();
    const first = await client.messages.create({
      model: 'fake-chat',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: { type: 'auto' },
    });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(first.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { location: 'Paris', unit: 'celsius' });
    const up = stack.fake.requests.at(-1).body;
    assert.deepEqual(up.tools, [
      { type: 'function', function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.input_schema } },
    ]);
    assert.equal(up.tool_choice, 'auto');

    const second = await client.messages.create({
      model: 'fake-chat',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 degrees' }, { type: 'text', text: 'thanks' }] },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'none' },
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.equal(second.content[0].text, 'Fake answer to: thanks');
    const msgs = stack.fake.requests.at(-1).body.messages;
    assert.equal(msgs[1].role, 'assistant');
    assert.equal(msgs[1].tool_calls[0].id, use.id);
    assert.deepEqual(JSON.parse(msgs[1].tool_calls[0].function.arguments), use.input);
    assert.deepEqual(msgs[2], { role: 'tool', tool_call_id: use.id, content: '18 degrees' });
    assert.deepEqual(msgs[3], { role: 'user', content: 'thanks' });
  });

  test('tools: streamed tool_use input arrives as input_json_delta and is parsed', T, async () => {
    const stream = client.messages.stream({
      model: 'fake-chat',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    let partial = '';
    stream.on('inputJson', (delta) => {
      partial += delta;
    });
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(final.content));
    assert.deepEqual(use.input, { location: 'Paris', unit: 'celsius' });
    assert.deepEqual(JSON.parse(partial), use.input);
  });

  test('Claude Code style: Bearer token, beta messages (?beta=true), images', T, async () => {
    const cc = new Anthropic({ baseURL: stack.gw.url, authToken: MASTER_KEY, apiKey: null, maxRetries: 0, timeout: 10000 });
    const msg = await cc.beta.messages.create({
      model: 'echo',
      max_tokens: 50,
      betas: ['claude-code-20250219'],
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'text', text: 'what is this' },
          ],
        },
      ],
    });
    assert.equal(msg.type, 'message');
    assert.equal(msg.content[0].text, 'what is this');
  });

  test('messages.countTokens answers an estimate without calling the provider', T, async () => {
    stack.fake.reset();
    const r = await client.messages.countTokens({ model: 'fake-chat', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    assert.ok(r.input_tokens >= 100, JSON.stringify(r));
    assert.equal(stack.fake.requests.length, 0);
  });

  test('AuthenticationError 401 for a wrong key', T, async () => {
    const bad = new Anthropic({ baseURL: stack.gw.url, apiKey: 'sk-wrong-key', maxRetries: 0, timeout: 10000 });
    await assert.rejects(bad.messages.create({ model: 'echo', max_tokens: 10, messages: hello }), (e) =>
      expectAnthropicError(e, Anthropic.AuthenticationError, 401, 'authentication_error'),
    );
  });

  test('NotFoundError 404 for an unknown model', T, async () => {
    await assert.rejects(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: hello }), (e) =>
      expectAnthropicError(e, Anthropic.NotFoundError, 404, 'not_found_error'),
    );
  });

  test('BadRequestError 400 for an invalid request and for an upstream 400', T, async () => {
    await assert.rejects(client.messages.create({ model: 'echo', messages: hello }), (e) =>
      expectAnthropicError(e, Anthropic.BadRequestError, 400, 'invalid_request_error') && /max_tokens/.test(e.error.error.message),
    );
    await assert.rejects(client.messages.create({ model: 'echo', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] }), (e) =>
      expectAnthropicError(e, Anthropic.BadRequestError, 400, 'invalid_request_error'),
    );
    await assert.rejects(client.messages.create({ model: 'fake-400', max_tokens: 10, messages: hello }), (e) =>
      expectAnthropicError(e, Anthropic.BadRequestError, 400, 'invalid_request_error'),
    );
  });

  test('RateLimitError 429 from the upstream', T, async () => {
    await assert.rejects(client.messages.create({ model: 'fake-429', max_tokens: 10, messages: hello }), (e) =>
      expectAnthropicError(e, Anthropic.RateLimitError, 429, 'rate_limit_error'),
    );
  });

  test('a failing upstream is an api_error, stream or not', T, async () => {
    await assert.rejects(client.messages.create({ model: 'fake-500', max_tokens: 10, messages: hello }), (e) =>
      expectAnthropicError(e, Anthropic.InternalServerError, e.status, 'api_error') && e.status >= 500,
    );
    await assert.rejects(
      client.messages.stream({ model: 'fake-500-stream', max_tokens: 10, messages: hello }).finalMessage(),
      (e) => e instanceof Anthropic.APIError && e.status >= 500,
    );
  });
});
