// The official OpenAI SDK against Gemini- and Azure-backed aliases: the same client code gets
// answers, streams, tool calls, usage, embeddings and typed errors from both.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { startFakeOpenAI, fakeAnswer } from './fake-openai.mjs';
import { startFakeGemini, fakeGeminiAnswer, GEMINI_KEY } from './fake-gemini.mjs';

const T = { timeout: 10000 };
const AZURE_VERSION = '2024-10-21';

function config(gemini, openai) {
  const root = openai.baseURL.replace(/\/v1$/, '');
  const gem = (alias, model) => `  - model_name: ${alias}
    litellm_params:
      model: gemini/${model}
      api_base: ${gemini.baseURL}
      api_key: ${GEMINI_KEY}
`;
  const az = (alias, deployment) => `  - model_name: ${alias}
    litellm_params:
      model: azure/${deployment}
      api_base: ${root}
      api_key: ${UPSTREAM_KEY}
      api_version: "${AZURE_VERSION}"
`;
  return `model_list:
${gem('gem-chat', 'gemini-2.0-flash')}${gem('gem-embed', 'text-embedding-004')}${gem('gem-blocked', 'blocked-model')}${gem('gem-down', 'overloaded-model')}${az('az-chat', 'fake-model')}${az('az-embed', 'fake-embed-model')}${az('az-429', 'fake-429-model')}router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
`;
}

async function collect(stream) {
  let content = '';
  let usage = null;
  let finish = null;
  const toolCalls = [];
  let first = null;
  for await (const chunk of stream) {
    first ??= chunk;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta?.content) content += c.delta.content;
      for (const tc of c.delta?.tool_calls ?? []) toolCalls.push(tc);
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { content, usage, finish, toolCalls, first };
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

describe('Gemini and Azure aliases via the OpenAI SDK', { timeout: 60000 }, () => {
  let gemini;
  let openai;
  let gw;
  let client;
  before(async () => {
    gemini = await startFakeGemini();
    openai = await startFakeOpenAI();
    gw = await startGateway(config(gemini, openai));
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
  });
  after(async () => {
    await gw?.stop();
    await gemini?.close();
    await openai?.close();
  });

  test('gemini non-stream: content, finish_reason, usage; upstream got the Gemini request', T, async () => {
    gemini.reset();
    const r = await client.chat.completions.create({
      model: 'gem-chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      max_tokens: 40,
      temperature: 0.2,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, fakeGeminiAnswer('What is the capital of France?'));
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    assert.equal(gemini.requests.length, 1);
    const up = gemini.requests[0];
    assert.equal(up.path, '/v1beta/models/gemini-2.0-flash:generateContent');
    assert.equal(up.headers['x-goog-api-key'], GEMINI_KEY);
    assert.equal(up.headers.authorization, undefined);
    assert.deepEqual(up.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(up.body.contents, [{ role: 'user', parts: [{ text: 'What is the capital of France?' }] }]);
    assert.deepEqual(up.body.generationConfig, { maxOutputTokens: 40, temperature: 0.2 });
  });

  test('gemini stream: chunks, finish and usage chunk', T, async () => {
    const stream = await client.chat.completions.create({
      model: 'gem-chat',
      messages: [{ role: 'user', content: 'Tell me a story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const got = await collect(stream);
    assert.equal(got.content, fakeGeminiAnswer('Tell me a story'));
    assert.equal(got.first.object, 'chat.completion.chunk');
    assert.equal(got.first.choices[0].delta.role, 'assistant');
    assert.equal(got.finish, 'stop');
    assert.ok(got.usage && got.usage.completion_tokens > 0 && got.usage.prompt_tokens > 0);
    assert.match(gemini.requests.at(-1).path, /:streamGenerateContent\?alt=sse$/);
  });

  test('gemini tools: tool call, then the tool result answered', T, async () => {
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const r = await client.chat.completions.create({ model: 'gem-chat', messages, tools: [weatherTool] });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
    assert.match(call.id, /\S/);

    messages.push(r.choices[0].message);
    messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temp_c: 21 }) });
    const r2 = await client.chat.completions.create({ model: 'gem-chat', messages, tools: [weatherTool] });
    assert.equal(r2.choices[0].finish_reason, 'stop');
    assert.ok(r2.choices[0].message.content.length > 0);
    const up = gemini.requests.at(-1).body;
    assert.deepEqual(up.contents[2].parts[0].functionResponse, { name: 'get_weather', response: { temp_c: 21 } });

    const s = await client.chat.completions.create({ model: 'gem-chat', messages: messages.slice(0, 1), tools: [weatherTool], stream: true });
    const got = await collect(s);
    assert.equal(got.finish, 'tool_calls');
    assert.equal(got.toolCalls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(got.toolCalls[0].function.arguments), { location: 'Paris' });
  });

  test('gemini embeddings: batch and base64 (the SDK default) decode to floats', T, async () => {
    const r = await client.embeddings.create({ model: 'gem-embed', input: ['a', 'b', 'c'], dimensions: 4 });
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 3);
    assert.deepEqual(r.data[0].embedding, [-0.25, -0.125, 0, 0.125]);
    assert.equal(r.data[2].index, 2);
    assert.match(gemini.requests.at(-1).path, /:batchEmbedContents$/);
    const one = await client.embeddings.create({ model: 'gem-embed', input: 'x', encoding_format: 'float' });
    assert.equal(one.data[0].embedding.length, 8);
    assert.match(gemini.requests.at(-1).path, /:embedContent$/);
  });

  test('gemini safety block is a 400 content_policy_violation; overload is a 502', T, async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gem-blocked', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.code === 'content_policy_violation',
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'gem-blocked', messages: [{ role: 'user', content: 'x' }], stream: true }),
      (e) => e instanceof OpenAI.BadRequestError && e.code === 'content_policy_violation',
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'gem-down', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof OpenAI.APIError && e.status === 502,
    );
  });

  test('azure non-stream and stream through the deployment URL with api-key', T, async () => {
    openai.reset();
    const messages = [{ role: 'user', content: 'Hello Azure' }];
    const r = await client.chat.completions.create({ model: 'az-chat', messages });
    assert.equal(r.choices[0].message.content, fakeAnswer(messages));
    assert.ok(r.usage.total_tokens > 0);
    const up = openai.requests[0];
    assert.equal(up.path, `/openai/deployments/fake-model/chat/completions?api-version=${AZURE_VERSION}`);
    assert.equal(up.headers['api-key'], UPSTREAM_KEY);
    assert.equal(up.headers.authorization, undefined);

    const s = await client.chat.completions.create({ model: 'az-chat', messages, stream: true, stream_options: { include_usage: true } });
    const got = await collect(s);
    assert.equal(got.content, fakeAnswer(messages));
    assert.equal(got.finish, 'stop');
    assert.ok(got.usage);

    const t = await client.chat.completions.create({ model: 'az-chat', messages, tools: [weatherTool] });
    assert.equal(t.choices[0].message.tool_calls[0].function.name, 'get_weather');
  });

  test('azure embeddings and rate limit', T, async () => {
    const r = await client.embeddings.create({ model: 'az-embed', input: ['a', 'b'] });
    assert.equal(r.data.length, 2);
    assert.equal(openai.requests.at(-1).path, `/openai/deployments/fake-embed-model/embeddings?api-version=${AZURE_VERSION}`);
    await assert.rejects(
      client.chat.completions.create({ model: 'az-429', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof OpenAI.RateLimitError && e.status === 429,
    );
  });
});
