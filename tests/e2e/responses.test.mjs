// The Responses API ingress (POST /v1/responses, GET/DELETE /v1/responses/{id},
// GET /v1/responses/{id}/input_items, POST /v1/responses/input_tokens) driven by real clients:
// the official OpenAI SDK and the Vercel AI SDK (`ai` + `@ai-sdk/openai`, whose `openai.responses`
// model speaks the Responses API). The gateway translates each request into a chat request for
// the providers that have chat only (here a hosted_vllm alias on the fake OpenAI's chat endpoint,
// the fake Anthropic and the fake Gemini) and answers in the Responses format: a `response` object
// or its typed event stream. An openai/ alias takes the Responses request as it is (the fake
// OpenAI's /v1/responses), previous_response_id expanded by the gateway. Stored responses (the
// default `store: true`) back retrieve, input_items, delete, previous_response_id and the AI SDK's
// item_reference items.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, tool, stepCountIs } from 'ai';
import { z } from 'zod';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { startFakeOpenAI, fakeAnswer } from './fake-openai.mjs';
import { startFakeAnthropic } from './fake-anthropic.mjs';
import { startFakeGemini, fakeGeminiAnswer, GEMINI_KEY } from './fake-gemini.mjs';
import { expectApiError } from './assertions.mjs';

const T = { timeout: 15000 };

function config(openai, anthropic, gemini) {
  return `# written by tests/e2e/responses.test.mjs
model_list:
  - model_name: fake-chat
    litellm_params:
      model: openai/fake-model
      api_base: ${openai.baseURL}
      api_key: ${UPSTREAM_KEY}
    model_info:
      # the fake stands for OpenAI's own API, whose Responses API the gateway passes through to
      supported_endpoints: ["/v1/chat/completions", "/v1/responses"]
  - model_name: vllm-chat
    litellm_params:
      model: hosted_vllm/fake-model
      api_base: ${openai.baseURL}
      api_key: ${UPSTREAM_KEY}
  - model_name: claude
    litellm_params:
      model: anthropic/claude-ok
      api_base: ${anthropic.baseURL}
      api_key: ${UPSTREAM_KEY}
  - model_name: gem-chat
    litellm_params:
      model: gemini/gemini-2.0-flash
      api_base: ${gemini.baseURL}
      api_key: ${GEMINI_KEY}
router_settings:
  num_retries: 0
  allowed_fails: 50
general_settings:
  master_key: ${MASTER_KEY}
`;
}

// What each alias's fake answers to a last user text. fake-chat: the fake OpenAI's /v1/responses
// (pass-through); the others through the translation to chat.
const ANSWER = {
  'fake-chat': (text) => fakeAnswer([{ role: 'user', content: text }]),
  'vllm-chat': (text) => fakeAnswer([{ role: 'user', content: text }]),
  claude: (text) => `Claude says: ${text}`,
  'gem-chat': (text) => fakeGeminiAnswer(text),
};
const ALIASES = Object.keys(ANSWER);

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a given location',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' } },
    required: ['location'],
    additionalProperties: false,
  },
  strict: false,
};

/** The text of an Anthropic message's content (a string, or its text / tool_result blocks). */
function anthropicText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => (b?.type === 'text' ? b.text : b?.type === 'tool_result' ? anthropicText(b.content) : ''))
    .join('');
}

// The gateway makes resp_ + 32 hex digits; a passed-through response keeps the provider's id and
// model (the fake OpenAI's ids are resp_ + 48 hex digits).
const PASSED_THROUGH = new Set(['fake-chat']);

function assertResponse(r, model, text) {
  assert.equal(r.object, 'response');
  assert.match(r.id, PASSED_THROUGH.has(model) ? /^resp_[0-9a-f]{48}$/ : /^resp_[0-9a-f]{32}$/, r.id);
  assert.equal(r.status, 'completed', JSON.stringify(r));
  assert.equal(r.model, PASSED_THROUGH.has(model) ? 'fake-model' : model);
  assert.equal(r.output_text, text, JSON.stringify(r.output));
  const msg = r.output.find((o) => o.type === 'message');
  assert.ok(msg, JSON.stringify(r.output));
  assert.equal(msg.role, 'assistant');
  assert.match(msg.id, /^msg_/);
  assert.deepEqual(
    msg.content.map((c) => c.type),
    ['output_text'],
  );
  assert.ok(r.usage, 'usage present');
  assert.ok(r.usage.input_tokens > 0, JSON.stringify(r.usage));
  assert.ok(r.usage.output_tokens > 0, JSON.stringify(r.usage));
  assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens, JSON.stringify(r.usage));
}

/** An AI SDK error with what it sent and got when it is an APICallError. */
function describeError(e) {
  const call = e?.requestBodyValues ? `\n  request: ${JSON.stringify(e.requestBodyValues)}\n  status ${e.statusCode}: ${e.responseBody}` : '';
  return `${e?.stack ?? e}${call}`;
}

/**
 * Reads a raw SSE body from the gateway: [{ event, data }] with data parsed. Used to show the exact
 * events when a client library fails on them.
 */
async function rawEvents(url, body) {
  const res = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    let event = null;
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    let parsed = data.join('\n');
    try {
      parsed = JSON.parse(parsed);
    } catch {}
    events.push({ event, data: parsed });
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, events };
}

describe('/v1/responses via the OpenAI SDK and the AI SDK', { timeout: 180000 }, () => {
  let openaiFake;
  let anthropicFake;
  let geminiFake;
  let gw;
  let client;
  let aisdk;
  const sdkWarnings = [];

  before(async () => {
    openaiFake = await startFakeOpenAI();
    anthropicFake = await startFakeAnthropic(UPSTREAM_KEY);
    geminiFake = await startFakeGemini();
    gw = await startGateway(config(openaiFake, anthropicFake, geminiFake));
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
    aisdk = createOpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY });
    // The AI SDK's call warnings (unsupported settings, unparsable parts...) land here, not on stderr.
    globalThis.AI_SDK_LOG_WARNINGS = (warnings) => sdkWarnings.push(...warnings);
  });
  after(async () => {
    delete globalThis.AI_SDK_LOG_WARNINGS;
    await gw?.stop();
    await openaiFake?.close();
    await anthropicFake?.close();
    await geminiFake?.close();
  });

  // ---------------------------------------------------------------- OpenAI SDK: create

  for (const model of ALIASES) {
    test(`responses.create non-stream (${model})`, T, async () => {
      const input = `What is the capital of France? (${model})`;
      const r = await client.responses.create({ model, input, instructions: 'You are terse.' });
      assertResponse(r, model, ANSWER[model](input));
      assert.equal(r.instructions, 'You are terse.');
      assert.equal(r.previous_response_id, null);
    });
  }

  test('the instructions and input reach each provider translated into its own format', T, async () => {
    openaiFake.reset();
    anthropicFake.reset();
    geminiFake.reset();
    const input = 'translated?';
    for (const model of ALIASES) await client.responses.create({ model, input, instructions: 'Be brief.' });

    assert.equal(openaiFake.requests.length, 2);
    const [p, o] = openaiFake.requests;
    assert.equal(p.path, '/v1/responses', 'openai/: the Responses request as it is');
    assert.equal(p.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assert.deepEqual(p.body, { model: 'fake-model', input, instructions: 'Be brief.', store: false });
    assert.equal(o.path, '/v1/chat/completions', 'hosted_vllm/: translated to chat');
    assert.equal(o.body.model, 'fake-model');
    assert.deepEqual(o.body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: input },
    ]);

    assert.equal(anthropicFake.requests.length, 1);
    const a = anthropicFake.requests[0];
    assert.equal(a.path, '/v1/messages');
    assert.equal(a.headers['x-api-key'], UPSTREAM_KEY);
    assert.equal(a.body.model, 'claude-ok');
    assert.equal(anthropicText(a.body.system), 'Be brief.');
    assert.deepEqual(
      a.body.messages.map((m) => [m.role, anthropicText(m.content)]),
      [['user', input]],
    );

    assert.equal(geminiFake.requests.length, 1);
    const g = geminiFake.requests[0];
    assert.match(g.path, /^\/v1beta\/models\/gemini-2\.0-flash:generateContent/);
    assert.equal(g.body.systemInstruction.parts.map((p) => p.text).join(''), 'Be brief.');
    assert.deepEqual(
      g.body.contents.map((c) => [c.role, c.parts.map((p) => p.text).join('')]),
      [['user', input]],
    );
  });

  // ---------------------------------------------------------------- OpenAI SDK: streaming

  for (const model of ALIASES) {
    test(`responses.stream: output_text deltas and finalResponse (${model})`, T, async () => {
      const input = `Stream me a sentence please (${model})`;
      const expected = ANSWER[model](input);
      const stream = client.responses.stream({ model, input, instructions: 'You are terse.' });
      let text = '';
      const types = [];
      stream.on('response.output_text.delta', (ev) => {
        text += ev.delta;
      });
      stream.on('event', (ev) => types.push(ev.type));
      const final = await stream.finalResponse();
      assertResponse(final, model, expected);
      assert.equal(text, expected);
      assert.equal(types[0], 'response.created');
      assert.equal(types.at(-1), 'response.completed');
      assert.ok(types.filter((t) => t === 'response.output_text.delta').length >= 2, types.join(' '));
    });

    test(`responses.create stream: true: the typed event sequence (${model})`, T, async () => {
      const input = `Count the events (${model})`;
      const expected = ANSWER[model](input);
      const stream = await client.responses.create({ model, input, stream: true });
      const events = [];
      for await (const ev of stream) events.push(ev);
      const types = events.map((e) => e.type);
      events.forEach((ev, i) => assert.equal(ev.sequence_number, i, `sequence_number of event ${i} (${ev.type})`));
      assert.equal(types[0], 'response.created');
      assert.equal(types[1], 'response.in_progress');
      assert.equal(types.at(-1), 'response.completed');
      for (const t of [
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
      ]) {
        assert.ok(types.includes(t), `${t} in ${types.join(' ')}`);
      }
      const created = events[0].response;
      assert.match(created.id, /^resp_/);
      assert.equal(created.status, 'in_progress');
      const deltas = events.filter((e) => e.type === 'response.output_text.delta');
      assert.equal(deltas.map((e) => e.delta).join(''), expected);
      const itemId = events.find((e) => e.type === 'response.output_item.added').item.id;
      for (const d of deltas) assert.equal(d.item_id, itemId);
      assert.equal(events.find((e) => e.type === 'response.output_text.done').text, expected);
      const done = events.at(-1).response;
      assert.equal(done.id, created.id);
      assert.equal(done.status, 'completed');
      assert.equal(done.output[0].content[0].text, expected);
      assert.ok(done.usage.input_tokens > 0 && done.usage.output_tokens > 0, JSON.stringify(done.usage));
    });
  }

  // ---------------------------------------------------------------- OpenAI SDK: state

  test('retrieve, input_items, previous_response_id (Anthropic), delete', T, async () => {
    const first = await client.responses.create({ model: 'claude', input: 'My name is Ada.', instructions: 'Remember names.' });
    assertResponse(first, 'claude', 'Claude says: My name is Ada.');

    const got = await client.responses.retrieve(first.id);
    assert.deepEqual({ ...got }, { ...first });
    assert.equal(got.output_text, first.output_text);

    const items = await client.responses.inputItems.list(first.id);
    assert.equal(items.data.length, 1, JSON.stringify(items.data));
    const item = items.data[0];
    assert.equal(item.type, 'message');
    assert.equal(item.role, 'user');
    assert.match(item.id, /^msg_/);
    assert.deepEqual(item.content, [{ type: 'input_text', text: 'My name is Ada.' }]);
    assert.equal(items.has_more, false);

    anthropicFake.reset();
    const second = await client.responses.create({ model: 'claude', input: 'What is my name?', previous_response_id: first.id });
    assertResponse(second, 'claude', 'Claude says: What is my name?');
    assert.equal(second.previous_response_id, first.id);
    assert.notEqual(second.id, first.id);
    assert.equal(anthropicFake.requests.length, 1);
    const sent = anthropicFake.requests[0].body;
    assert.deepEqual(
      sent.messages.map((m) => [m.role, anthropicText(m.content)]),
      [
        ['user', 'My name is Ada.'],
        ['assistant', 'Claude says: My name is Ada.'],
        ['user', 'What is my name?'],
      ],
    );
    // As OpenAI: the instructions of a previous response are not carried over.
    assert.equal(anthropicText(sent.system ?? ''), '', `system sent: ${JSON.stringify(sent.system)}`);
    // The second response's input items are its own input only.
    const items2 = await client.responses.inputItems.list(second.id);
    assert.deepEqual(
      items2.data.map((i) => [i.type, i.role, i.content?.[0]?.text]),
      [['message', 'user', 'What is my name?']],
    );

    await client.responses.delete(first.id);
    await assert.rejects(client.responses.retrieve(first.id), (e) => expectApiError(e, OpenAI.NotFoundError, 404));
    await assert.rejects(client.responses.inputItems.list(first.id), (e) => expectApiError(e, OpenAI.NotFoundError, 404));
    await assert.rejects(client.responses.delete(first.id), (e) => expectApiError(e, OpenAI.NotFoundError, 404));
    // The later response stays.
    assert.equal((await client.responses.retrieve(second.id)).id, second.id);
  });

  test('previous_response_id on the pass-through: expanded into input, store false upstream', T, async () => {
    const first = await client.responses.create({ model: 'fake-chat', input: 'My name is Bob.' });
    assertResponse(first, 'fake-chat', 'Fake answer to: My name is Bob.');
    assert.equal((await client.responses.retrieve(first.id)).output_text, first.output_text);
    openaiFake.reset();
    const second = await client.responses.create({ model: 'fake-chat', input: 'What is my name?', previous_response_id: first.id });
    assertResponse(second, 'fake-chat', 'Fake answer to: What is my name?');
    assert.equal(second.previous_response_id, first.id);
    assert.equal(second.store, true);
    const up = openaiFake.requests[0].body;
    assert.equal(up.store, false);
    assert.ok(!('previous_response_id' in up), JSON.stringify(up));
    assert.deepEqual(
      up.input.map((i) => [i.type, i.role, i.content[0].text]),
      [
        ['message', 'user', 'My name is Bob.'],
        ['message', 'assistant', 'Fake answer to: My name is Bob.'],
        ['message', 'user', 'What is my name?'],
      ],
    );
  });

  test('a streamed pass-through response is stored and reports what the client asked', T, async () => {
    const first = await client.responses.create({ model: 'fake-chat', input: 'streamed pass-through' });
    const stream = client.responses.stream({ model: 'fake-chat', input: 'and again', previous_response_id: first.id });
    const events = [];
    stream.on('event', (ev) => events.push(ev));
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'Fake answer to: and again');
    const got = await client.responses.retrieve(final.id);
    assert.equal(got.output_text, final.output_text);
    assert.equal(got.previous_response_id, first.id);
    assert.equal(got.store, true);
    // As the non-stream answer and the stored copy do (and OpenAI does), the events report the
    // request's previous_response_id and store, not those of the expanded request sent upstream.
    const seen = events
      .filter((e) => e.response)
      .map((e) => ({ type: e.type, previous_response_id: e.response.previous_response_id, store: e.response.store }));
    assert.deepEqual(
      seen,
      seen.map(({ type }) => ({ type, previous_response_id: first.id, store: true })),
    );
  });

  test('a streamed response is stored too and continues with previous_response_id', T, async () => {
    const stream = client.responses.stream({ model: 'gem-chat', input: 'streamed first turn' });
    const first = await stream.finalResponse();
    const got = await client.responses.retrieve(first.id);
    assert.equal(got.status, 'completed');
    assert.equal(got.output_text, fakeGeminiAnswer('streamed first turn'));
    geminiFake.reset();
    const second = await client.responses.create({ model: 'gem-chat', input: 'second turn', previous_response_id: first.id });
    assert.equal(second.output_text, fakeGeminiAnswer('second turn'));
    const contents = geminiFake.requests[0].body.contents;
    assert.deepEqual(
      contents.map((c) => [c.role, c.parts.map((p) => p.text).join('')]),
      [
        ['user', 'streamed first turn'],
        ['model', fakeGeminiAnswer('streamed first turn')],
        ['user', 'second turn'],
      ],
    );
  });

  test('previous_response_id that does not exist: 400', T, async () => {
    await assert.rejects(
      client.responses.create({ model: 'claude', input: 'hi', previous_response_id: 'resp_00000000000000000000000000000000' }),
      (e) => expectApiError(e, OpenAI.BadRequestError, 400) && /resp_0{32}/.test(e.message),
    );
  });

  test('input_tokens: an estimate of the translated request, no provider called', T, async () => {
    anthropicFake.reset();
    const r = await client.responses.inputTokens.count({ model: 'claude', input: 'x'.repeat(400), instructions: 'Be brief.' });
    assert.equal(r.object, 'response.input_tokens');
    assert.ok(r.input_tokens >= 100, JSON.stringify(r));
    assert.equal(anthropicFake.requests.length, 0);
  });

  // ---------------------------------------------------------------- OpenAI SDK: tools

  test('function tool (Anthropic): function_call, then function_call_output with previous_response_id', T, async () => {
    anthropicFake.reset();
    const first = await client.responses.create({ model: 'claude', input: 'Weather in Paris?', tools: [weatherTool] });
    assert.equal(first.status, 'completed');
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call, JSON.stringify(first.output));
    assert.match(call.id, /^fc_/);
    assert.match(call.call_id, /^toolu_/);
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { location: 'Paris' });
    assert.equal(first.output_text, '');
    const up = anthropicFake.requests[0].body;
    assert.deepEqual(up.tools.map((t) => [t.name, t.input_schema]), [['get_weather', weatherTool.parameters]]);

    anthropicFake.reset();
    const second = await client.responses.create({
      model: 'claude',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 degrees and sunny' }],
      tools: [weatherTool],
    });
    assertResponse(second, 'claude', 'Tool said: 18 degrees and sunny');
    const msgs = anthropicFake.requests[0].body.messages;
    assert.equal(msgs.length, 3, JSON.stringify(msgs));
    const use = msgs[1].content.find((b) => b.type === 'tool_use');
    assert.equal(use.id, call.call_id);
    assert.deepEqual(use.input, { location: 'Paris' });
    const result = msgs[2].content.find((b) => b.type === 'tool_result');
    assert.equal(result.tool_use_id, call.call_id);
  });

  test('function tool streamed (Anthropic): function_call_arguments events', T, async () => {
    const stream = client.responses.stream({ model: 'claude', input: 'Weather in Paris?', tools: [weatherTool] });
    let args = '';
    stream.on('response.function_call_arguments.delta', (ev) => {
      args += ev.delta;
    });
    const final = await stream.finalResponse();
    const call = final.output.find((o) => o.type === 'function_call');
    assert.ok(call, JSON.stringify(final.output));
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { location: 'Paris' });
    assert.equal(args, call.arguments);
  });

  // ---------------------------------------------------------------- OpenAI SDK: errors

  test('a built-in tool (web_search) is a 400 naming it', T, async () => {
    await assert.rejects(
      client.responses.create({ model: 'claude', input: 'search the web', tools: [{ type: 'web_search' }] }),
      (e) => expectApiError(e, OpenAI.BadRequestError, 400) && /web_search/.test(e.error.message),
    );
  });

  test('an unknown model is a 404', T, async () => {
    await assert.rejects(client.responses.create({ model: 'no-such-model', input: 'hi' }), (e) =>
      expectApiError(e, OpenAI.NotFoundError, 404),
    );
    await assert.rejects(client.responses.create({ model: 'no-such-model', input: 'hi', stream: true }), (e) =>
      expectApiError(e, OpenAI.NotFoundError, 404),
    );
  });

  test('a wrong key is a 401', T, async () => {
    const bad = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-wrong', maxRetries: 0, timeout: 10000 });
    await assert.rejects(bad.responses.create({ model: 'claude', input: 'hi' }), (e) =>
      expectApiError(e, OpenAI.AuthenticationError, 401),
    );
  });

  // ---------------------------------------------------------------- AI SDK

  for (const model of ['claude', 'gem-chat']) {
    test(`AI SDK generateText (${model})`, T, async () => {
      sdkWarnings.length = 0;
      const prompt = `Hello from the AI SDK (${model})`;
      const r = await generateText({ model: aisdk.responses(model), prompt, maxRetries: 0 });
      assert.equal(r.text, ANSWER[model](prompt));
      assert.equal(r.finishReason, 'stop');
      assert.ok(r.usage.inputTokens > 0, JSON.stringify(r.usage));
      assert.ok(r.usage.outputTokens > 0, JSON.stringify(r.usage));
      assert.equal(r.usage.totalTokens, r.usage.inputTokens + r.usage.outputTokens);
      assert.match(r.response.id, /^resp_/);
      assert.equal(r.response.modelId, model);
      assert.deepEqual(r.warnings ?? [], []);
      assert.deepEqual(sdkWarnings, []);
    });

    test(`AI SDK streamText (${model})`, T, async () => {
      sdkWarnings.length = 0;
      const prompt = `Stream from the AI SDK (${model})`;
      const errors = [];
      const raw = [];
      const result = streamText({
        model: aisdk.responses(model),
        prompt,
        maxRetries: 0,
        includeRawChunks: true,
        onError: ({ error }) => errors.push(error),
        onChunk: ({ chunk }) => {
          if (chunk.type === 'raw') raw.push(chunk.rawValue);
        },
      });
      let text = '';
      const deltas = [];
      for await (const d of result.textStream) {
        text += d;
        deltas.push(d);
      }
      const finishReason = await result.finishReason;
      const usage = await result.usage;
      const diag = () => `errors: ${errors.map(describeError).join('\n')}\nraw events: ${JSON.stringify(raw, null, 1)}`;
      assert.deepEqual(errors, [], diag());
      assert.equal(finishReason, 'stop', diag());
      assert.equal(text, ANSWER[model](prompt));
      assert.ok(deltas.length >= 2, `streamed in pieces: ${JSON.stringify(deltas)}`);
      assert.ok(usage.inputTokens > 0 && usage.outputTokens > 0, JSON.stringify(usage));
      assert.match((await result.response).id, /^resp_/);
      assert.deepEqual((await result.warnings) ?? [], []);
      assert.deepEqual(sdkWarnings, []);
    });
  }

  // The AI SDK sends the whole conversation again on step 2, without previous_response_id. With
  // store true (its default) it refers to the step-1 function_call by id
  // ({"type":"item_reference","id":"fc_..."}), which OpenAI resolves from its stored items and so
  // must the gateway, from its store; with store false it sends the function_call item in full.
  for (const store of [true, false]) {
    test(`AI SDK generateText with a tool, two steps (Anthropic, store: ${store})`, T, async () => {
      sdkWarnings.length = 0;
      const calls = [];
      const traffic = [];
      const tracingFetch = async (url, init) => {
        const res = await fetch(url, init);
        traffic.push({ request: init?.body ? JSON.parse(init.body) : null, status: res.status, body: await res.clone().text() });
        return res;
      };
      const sdk = createOpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, fetch: tracingFetch });
      anthropicFake.reset();
      const diag = () => JSON.stringify(traffic, null, 1);
      const r = await generateText({
        model: sdk.responses('claude'),
        prompt: 'What is the weather in Paris?',
        maxRetries: 0,
        tools: {
          get_weather: tool({
            description: 'Current weather in a given location',
            inputSchema: z.object({ location: z.string() }),
            execute: async ({ location }) => {
              calls.push(location);
              return `Sunny, 18C in ${location}`;
            },
          }),
        },
        stopWhen: stepCountIs(2),
        providerOptions: { openai: { store } },
      }).catch((e) => {
        throw new Error(`${e.message}\nrequests and answers:\n${diag()}`);
      });
      assert.deepEqual(calls, ['Paris'], diag());
      assert.equal(r.steps.length, 2, diag());
      assert.equal(r.steps[0].finishReason, 'tool-calls');
      assert.equal(r.steps[0].toolCalls[0].toolName, 'get_weather');
      assert.deepEqual(r.steps[0].toolCalls[0].input, { location: 'Paris' });
      assert.equal(r.text, 'Tool said: Sunny, 18C in Paris', diag());
      assert.equal(r.finishReason, 'stop');
      assert.ok(r.totalUsage.inputTokens > 0 && r.totalUsage.outputTokens > 0, JSON.stringify(r.totalUsage));

      // What the AI SDK sent on step 2, and what reached Anthropic.
      assert.equal(traffic.length, 2);
      const step2 = traffic[1].request;
      const fcItem = step2.input.find((i) => i.type === (store ? 'item_reference' : 'function_call'));
      assert.ok(fcItem, `step 2 input: ${JSON.stringify(step2.input)}`);
      if (store) assert.match(fcItem.id, /^fc_/);
      const out = step2.input.find((i) => i.type === 'function_call_output');
      assert.ok(out, JSON.stringify(step2.input));
      assert.equal(anthropicFake.requests.length, 2);
      const msgs = anthropicFake.requests[1].body.messages;
      assert.deepEqual(
        msgs.map((m) => m.role),
        ['user', 'assistant', 'user'],
        JSON.stringify(msgs),
      );
      const use = msgs[1].content.find((b) => b.type === 'tool_use');
      assert.equal(use.id, out.call_id);
      assert.deepEqual(use.input, { location: 'Paris' });
      assert.equal(anthropicText(msgs[2].content), 'Sunny, 18C in Paris');
      assert.deepEqual(sdkWarnings, []);
    });
  }

  for (const store of [true, false]) {
    test(`AI SDK streamText with a tool, two steps (Anthropic, store: ${store})`, T, async () => {
      sdkWarnings.length = 0;
      const errors = [];
      const raw = [];
      const result = streamText({
        model: aisdk.responses('claude'),
        prompt: 'What is the weather in Paris?',
        maxRetries: 0,
        includeRawChunks: true,
        onError: ({ error }) => errors.push(error),
        onChunk: ({ chunk }) => {
          if (chunk.type === 'raw') raw.push(chunk.rawValue);
        },
        tools: {
          get_weather: tool({
            description: 'Current weather in a given location',
            inputSchema: z.object({ location: z.string() }),
            execute: async ({ location }) => `Rainy, 12C in ${location}`,
          }),
        },
        stopWhen: stepCountIs(2),
        providerOptions: { openai: { store } },
      });
      let text = '';
      for await (const d of result.textStream) text += d;
      const diag = () => `errors: ${errors.map(describeError).join('\n')}\nraw events: ${JSON.stringify(raw, null, 1)}`;
      assert.deepEqual(errors, [], diag());
      const steps = await result.steps;
      assert.equal(steps.length, 2, diag());
      assert.deepEqual(steps[0].toolCalls[0].input, { location: 'Paris' });
      assert.equal(text, 'Tool said: Rainy, 12C in Paris', diag());
      assert.equal(await result.finishReason, 'stop');
      assert.deepEqual(sdkWarnings, []);
    });
  }

  // The raw wire format, as any client without an SDK sees it.
  test('raw SSE: event: lines match data.type, [DONE] is not sent', T, async () => {
    const { status, contentType, text, events } = await rawEvents(gw.url, { model: 'claude', input: 'raw', stream: true });
    assert.equal(status, 200, text);
    assert.match(contentType ?? '', /^text\/event-stream/);
    assert.ok(events.length > 4, text);
    for (const { event, data } of events) {
      assert.equal(typeof data, 'object', `every data line is JSON: ${text}`);
      assert.equal(event, data.type, `event: line matches the data's type: ${JSON.stringify({ event, data })}`);
    }
    assert.ok(!text.includes('[DONE]'), 'the Responses stream has no [DONE] sentinel');
  });

  // ---------------------------------------------------------------- state across a restart

  test('previous_response_id continues a conversation after the gateway restarts', { timeout: 30000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-restart-'));
    const env = { DATABASE_URL: `sqlite:///${join(dir, 'state.db')}` };
    const yaml = config(openaiFake, anthropicFake, geminiFake);
    let first = await startGateway(yaml, { env });
    let id;
    try {
      const c1 = new OpenAI({ baseURL: first.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
      const r1 = await c1.responses.create({ model: 'claude', input: 'Remember the number 4242.' });
      id = r1.id;
    } finally {
      await first.stop();
    }
    const second = await startGateway(yaml, { env });
    try {
      anthropicFake.reset();
      const c2 = new OpenAI({ baseURL: second.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
      const r2 = await c2.responses.create({ model: 'claude', input: 'Which number?', previous_response_id: id });
      assert.equal(r2.previous_response_id, id);
      assert.equal(anthropicFake.requests.length, 1);
      const sent = anthropicFake.requests[0].body.messages.map((m) => [m.role, anthropicText(m.content)]);
      assert.equal(sent.length, 3, JSON.stringify(sent));
      assert.deepEqual(sent[0], ['user', 'Remember the number 4242.']);
      assert.equal(sent[1][0], 'assistant');
      assert.deepEqual(sent[2], ['user', 'Which number?']);
      const stored = await c2.responses.retrieve(id);
      assert.equal(stored.id, id);
    } finally {
      await second.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
