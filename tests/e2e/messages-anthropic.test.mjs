// The official Anthropic SDK against an Anthropic-backed alias through POST /v1/messages: the
// gateway passes the request through untouched (no lossy round trip through the OpenAI format)
// and hands Anthropic's answer and event stream back as they are. Non-stream, stream, tool use,
// typed errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { startFakeAnthropic } from './fake-anthropic.mjs';

const T = { timeout: 10000 };

function config(baseURL) {
  const alias = (name, model) => `  - model_name: ${name}
    litellm_params:
      model: anthropic/${model}
      api_base: ${baseURL}
      api_key: ${UPSTREAM_KEY}
`;
  return `# written by tests/e2e/messages-anthropic.test.mjs
model_list:
${alias('claude', 'claude-ok')}${alias('claude-429', 'claude-429')}${alias('claude-stream-error', 'claude-stream-error')}router_settings:
  num_retries: 0
  allowed_fails: 50
general_settings:
  master_key: ${MASTER_KEY}
`;
}

describe('/v1/messages via the Anthropic SDK, Anthropic-backed alias (pass-through)', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeAnthropic(UPSTREAM_KEY);
    gw = await startGateway(config(fake.baseURL));
    client = new Anthropic({ baseURL: gw.url, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('messages.create: the request reaches Anthropic untouched but for model and key', T, async () => {
    fake.reset();
    const request = {
      model: 'claude',
      max_tokens: 77,
      system: [{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } }],
      top_k: 5,
      metadata: { user_id: 'user-42' },
      messages: [{ role: 'user', content: 'hello there' }],
    };
    const msg = await client.messages.create(request);
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.match(msg.id, /^msg_/);
    assert.equal(msg.content[0].type, 'text');
    assert.equal(msg.content[0].text, 'Claude says: hello there');
    assert.equal(typeof msg.usage.input_tokens, 'number');

    assert.equal(fake.requests.length, 1);
    const seen = fake.requests[0];
    assert.equal(seen.headers['x-api-key'], UPSTREAM_KEY, 'the upstream key, never the client key');
    assert.ok(seen.headers['anthropic-version']);
    // Fields the OpenAI format has no place for survive: nothing was translated.
    assert.deepEqual(seen.body.system, request.system);
    assert.equal(seen.body.top_k, 5);
    assert.deepEqual(seen.body.metadata, { user_id: 'user-42' });
    assert.equal(seen.body.max_tokens, 77);
    assert.equal(seen.body.model, 'claude-ok', 'model rewritten to the deployment id');
  });

  test('messages.stream: text events and finalMessage, Anthropic events relayed', T, async () => {
    fake.reset();
    const stream = client.messages.stream({
      model: 'claude',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'stream please' }],
    });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.equal(text, 'Claude says: stream please');
    assert.equal(final.content[0].text, 'Claude says: stream please');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(fake.requests[0].body.stream, true);
  });

  test('tool use passes through with its id and input', T, async () => {
    const msg = await client.messages.create({
      model: 'claude',
      max_tokens: 50,
      tools: [
        {
          name: 'get_weather',
          description: 'Weather for a city',
          input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      ],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(msg.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { location: 'Paris' });
    assert.match(use.id, /^toolu_/);
    assert.equal(msg.stop_reason, 'tool_use');
  });

  test('typed errors: upstream 429 -> RateLimitError, unknown alias -> NotFoundError, bad key -> AuthenticationError', T, async () => {
    await assert.rejects(
      client.messages.create({ model: 'claude-429', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof Anthropic.RateLimitError && err.status === 429 && err.error?.type === 'error',
    );
    await assert.rejects(
      client.messages.create({ model: 'no-such-alias', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof Anthropic.NotFoundError && err.status === 404,
    );
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'sk-wrong', maxRetries: 0, timeout: 10000 });
    await assert.rejects(
      bad.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof Anthropic.AuthenticationError && err.status === 401,
    );
  });

  test('an error event before any content fails the request instead of a broken 200 stream', T, async () => {
    await assert.rejects(
      client.messages.create({ model: 'claude-stream-error', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      (err) => err instanceof Anthropic.APIError && err.status >= 500,
    );
  });
});
