// The official OpenAI SDK against Anthropic-backed aliases: the gateway translates to the
// Messages API (fake-anthropic.mjs) and back. Chat, stream, a tool call round trip, typed errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { expectApiError } from './assertions.mjs';
import { startFakeAnthropic } from './fake-anthropic.mjs';

const T = { timeout: 10000 };

function config(baseURL) {
  const alias = (name, model) => `  - model_name: ${name}
    litellm_params:
      model: anthropic/${model}
      api_base: ${baseURL}
      api_key: ${UPSTREAM_KEY}
`;
  return `# written by tests/e2e/anthropic.test.mjs
model_list:
${alias('claude', 'claude-ok')}${alias('claude-429', 'claude-429')}${alias('claude-529', 'claude-529')}${alias(
    'claude-long',
    'claude-long-prompt',
  )}${alias('claude-bad-key', 'claude-bad-key')}${alias('claude-stream-error', 'claude-stream-error')}router_settings:
  num_retries: 0
  allowed_fails: 50
general_settings:
  master_key: ${MASTER_KEY}
`;
}

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the weather for a city',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
];

describe('anthropic-backed aliases via the OpenAI SDK', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeAnthropic(UPSTREAM_KEY);
    gw = await startGateway(config(fake.baseURL));
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('non-stream chat: content, usage, Messages request upstream', T, async () => {
    fake.reset();
    const r = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      max_tokens: 100,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'claude-ok');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'Claude says: What is the capital of France?');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.usage.prompt_tokens, 25);
    assert.equal(r.usage.completion_tokens, 9);
    assert.equal(r.usage.total_tokens, 34);
    assert.equal(r.usage.prompt_tokens_details.cached_tokens, 4);

    assert.equal(fake.requests.length, 1);
    const up = fake.requests[0];
    assert.equal(up.path, '/v1/messages');
    assert.equal(up.headers['x-api-key'], UPSTREAM_KEY);
    assert.equal(up.headers['anthropic-version'], '2023-06-01');
    assert.equal(up.headers.authorization, undefined);
    assert.ok(!up.raw.includes(MASTER_KEY));
    assert.equal(up.body.model, 'claude-ok');
    assert.equal(up.body.system, 'You are terse.');
    assert.equal(up.body.max_tokens, 100);
    assert.deepEqual(up.body.messages, [{ role: 'user', content: 'What is the capital of France?' }]);
  });

  test('stream: role first, content assembles, finish_reason, usage chunk', T, async () => {
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Stream me something' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let first = true;
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (first) {
        assert.equal(chunk.choices[0].delta.role, 'assistant');
        first = false;
      }
      if (chunk.choices.length > 0) {
        content += chunk.choices[0].delta.content ?? '';
        if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(content, 'Claude says: Stream me something');
    assert.equal(finish, 'stop');
    assert.ok(usage, 'usage chunk present');
    assert.equal(usage.prompt_tokens, 25);
    assert.equal(usage.completion_tokens, 9);
  });

  test('tool call round trip (non-stream call, streamed call, tool result turn)', T, async () => {
    fake.reset();
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const r = await client.chat.completions.create({ model: 'claude', messages, tools, tool_choice: 'auto' });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
    assert.deepEqual(fake.requests[0].body.tools[0].input_schema, tools[0].function.parameters);
    assert.deepEqual(fake.requests[0].body.tool_choice, { type: 'auto' });

    // Streamed, the SDK's helper reassembles the tool call from the deltas.
    const runner = client.chat.completions.stream({ model: 'claude', messages, tools });
    const final = await runner.finalChatCompletion();
    const scall = final.choices[0].message.tool_calls[0];
    assert.equal(scall.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(scall.function.arguments), { location: 'Paris' });
    assert.equal(final.choices[0].finish_reason, 'tool_calls');

    const r2 = await client.chat.completions.create({
      model: 'claude',
      tools,
      messages: [...messages, r.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '15 degrees' }],
    });
    assert.equal(r2.choices[0].message.content, 'Tool said: 15 degrees');
    const up = fake.requests[fake.requests.length - 1].body;
    assert.equal(up.messages.length, 3);
    assert.deepEqual(up.messages[1].content, [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { location: 'Paris' } }]);
    assert.deepEqual(up.messages[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '15 degrees' }] });
  });

  const ask = (model, extra = {}) =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

  test('upstream 429 -> RateLimitError with retry-after', T, async () => {
    await assert.rejects(ask('claude-429'), (e) => {
      expectApiError(e, OpenAI.RateLimitError, 429);
      assert.equal(e.headers.get('retry-after'), '7');
      return true;
    });
  });

  test('prompt too long -> BadRequestError context_length_exceeded', T, async () => {
    await assert.rejects(ask('claude-long'), (e) => {
      expectApiError(e, OpenAI.BadRequestError, 400);
      assert.equal(e.code, 'context_length_exceeded');
      assert.match(e.message, /prompt is too long/);
      return true;
    });
  });

  test('upstream 401 -> AuthenticationError without the upstream message', T, async () => {
    await assert.rejects(ask('claude-bad-key'), (e) => {
      expectApiError(e, OpenAI.AuthenticationError, 401);
      assert.doesNotMatch(e.message, /x-api-key/);
      return true;
    });
  });

  test('overloaded (529) and error event before content -> 503 InternalServerError', T, async () => {
    await assert.rejects(ask('claude-529'), (e) => expectApiError(e, OpenAI.InternalServerError, 503));
    await assert.rejects(ask('claude-stream-error', { stream: true }), (e) =>
      expectApiError(e, OpenAI.InternalServerError, 503),
    );
  });

  test('unsupported parameter -> BadRequestError naming it', T, async () => {
    await assert.rejects(ask('claude', { frequency_penalty: 0.5 }), (e) => {
      expectApiError(e, OpenAI.BadRequestError, 400);
      assert.equal(e.param, 'frequency_penalty');
      return true;
    });
  });
});
