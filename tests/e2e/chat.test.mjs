// Chat completions (and legacy completions) through the official OpenAI SDK, against the fake
// OpenAI upstream behind the gateway.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack, within, UPSTREAM_KEY, MASTER_KEY } from './gateway.mjs';
import { fakeAnswer, SLOW_CHUNK_MS } from './fake-openai.mjs';

const T = { timeout: 10000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('chat completions via the OpenAI SDK', { timeout: 60000 }, () => {
  let stack;
  let client;
  before(async () => {
    stack = await startStack();
    client = stack.client();
  });
  after(async () => {
    await stack?.stop();
  });

  test('non-stream: content, usage and model id; upstream sees rewritten model and upstream key', T, async () => {
    stack.fake.reset();
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'What is the capital of France?' },
    ];
    const r = await client.chat.completions.create({
      model: 'fake-chat',
      messages,
      temperature: 0.25,
      max_tokens: 50,
      seed: 7,
      user: 'e2e-user',
      metadata: { tags: ['e2e'] },
    });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /\S/);
    assert.equal(typeof r.created, 'number');
    assert.ok(typeof r.model === 'string' && r.model.length > 0, 'model id returned');
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].index, 0);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, fakeAnswer(messages));
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage, 'usage present');
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);

    const seen = stack.fake.requests;
    assert.equal(seen.length, 1, 'exactly one upstream call');
    const up = seen[0];
    assert.equal(up.method, 'POST');
    assert.equal(up.path, '/v1/chat/completions');
    assert.equal(up.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assert.match(up.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(up.body.model, 'fake-model', 'model rewritten to the deployment model id');
    assert.deepEqual(up.body.messages, messages);
    assert.equal(up.body.temperature, 0.25);
    assert.equal(up.body.max_tokens, 50);
    assert.equal(up.body.seed, 7);
    assert.equal(up.body.user, 'e2e-user');
    assert.ok(!('metadata' in up.body), 'request-level control `metadata` removed before the upstream');
    assert.ok(!up.raw.includes(MASTER_KEY), 'the client key never reaches the upstream');
    for (const [k, v] of Object.entries(up.headers)) {
      assert.ok(!String(v).includes(MASTER_KEY), `upstream header ${k} does not carry the master key`);
    }
  });

  test('stream: chunks parse, content assembles, role first, finish_reason last', T, async () => {
    stack.fake.reset();
    const messages = [{ role: 'user', content: 'Stream me a sentence please' }];
    const stream = await client.chat.completions.create({ model: 'fake-chat', messages, stream: true });
    let content = '';
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.ok(Array.isArray(chunk.choices));
      assert.ok(chunk.choices.length >= 1, 'without include_usage every chunk has a choice (OpenAI behaviour)');
      content += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.equal(content, fakeAnswer(messages));
    assert.ok(chunks.length >= 3, `several chunks relayed (got ${chunks.length})`);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1, 'one id across the stream');
    const up = stack.fake.requests[0];
    assert.equal(up.body.stream, true);
    assert.equal(up.body.model, 'fake-model');
    assert.equal(up.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  });

  test('stream with stream_options.include_usage: final usage chunk with empty choices', T, async () => {
    const messages = [{ role: 'user', content: 'Count my tokens' }];
    const stream = await client.chat.completions.create({
      model: 'fake-chat',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage = null;
    let usageChunks = 0;
    for await (const chunk of stream) {
      if (chunk.usage) {
        usage = chunk.usage;
        usageChunks++;
        assert.deepEqual(chunk.choices, [], 'the usage chunk has empty choices');
      }
      content += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.equal(content, fakeAnswer(messages));
    assert.equal(usageChunks, 1, 'exactly one usage chunk');
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  });

  test('stream: raw SSE framing is `data: {json}\\n\\n` events ending with `data: [DONE]`', T, async () => {
    const res = await fetch(`${stack.gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-chat', messages: [{ role: 'user', content: 'raw sse' }], stream: true }),
      signal: AbortSignal.timeout(8000),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await res.text();
    const events = text.split(/\r?\n\r?\n/).filter((e) => e.trim() !== '');
    assert.ok(events.length >= 3);
    assert.equal(events.at(-1).trim(), 'data: [DONE]');
    let content = '';
    for (const ev of events.slice(0, -1)) {
      const dataLines = ev.split(/\r?\n/).filter((l) => l.startsWith('data:'));
      assert.equal(dataLines.length, 1, `one data line per event: ${JSON.stringify(ev)}`);
      const obj = JSON.parse(dataLines[0].slice(5).trim());
      assert.equal(obj.object, 'chat.completion.chunk');
      content += obj.choices[0]?.delta?.content ?? '';
    }
    assert.equal(content, fakeAnswer([{ role: 'user', content: 'raw sse' }]));
  });

  const weatherTool = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: {
        type: 'object',
        properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['location'],
      },
    },
  };

  test('tools: passed through unchanged, tool_calls come back and parse in the SDK', T, async () => {
    stack.fake.reset();
    const r = await client.chat.completions.create({
      model: 'fake-chat',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    const up = stack.fake.requests[0];
    assert.deepEqual(up.body.tools, [weatherTool], 'tools forwarded as sent');
    assert.equal(up.body.tool_choice, 'auto');
    assert.equal(up.body.parallel_tool_calls, false);
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.id, 'call_e2e_0001');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris', unit: 'celsius' });

    // Second turn with the tool result goes through too.
    stack.fake.reset();
    const messages = [
      { role: 'user', content: 'Weather in Paris?' },
      choice.message,
      { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' },
    ];
    const r2 = await client.chat.completions.create({ model: 'fake-chat', messages, tools: [weatherTool], tool_choice: 'none' });
    assert.equal(r2.choices[0].finish_reason, 'stop');
    assert.equal(stack.fake.requests[0].body.messages[2].tool_call_id, call.id);
    assert.equal(stack.fake.requests[0].body.messages[1].tool_calls[0].id, call.id);
  });

  test('tools in a stream: the SDK stream helper assembles the tool call', T, async () => {
    const runner = client.chat.completions.stream({
      model: 'fake-chat',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    const final = await within(8000, runner.finalChatCompletion(), 'stream helper');
    const choice = final.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    assert.equal(choice.message.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(choice.message.tool_calls[0].function.arguments), { location: 'Paris', unit: 'celsius' });
  });

  test('legacy completions: POST /v1/completions through the SDK', T, async () => {
    stack.fake.reset();
    const r = await client.completions.create({ model: 'fake-chat', prompt: 'Once upon a time', max_tokens: 16 });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices[0].text, ' fake completion of: Once upon a time');
    assert.ok(r.usage.total_tokens > 0);
    const up = stack.fake.requests[0];
    assert.equal(up.path, '/v1/completions');
    assert.equal(up.body.model, 'fake-model');
    assert.equal(up.body.prompt, 'Once upon a time');
    assert.equal(up.body.max_tokens, 16);
  });

  test('streams are relayed chunk by chunk, not buffered', T, async () => {
    const started = Date.now();
    const stream = await client.chat.completions.create({
      model: 'fake-slow',
      messages: [{ role: 'user', content: 'slow please' }],
      stream: true,
    });
    const arrivals = [];
    let content = '';
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta?.content;
      if (c) {
        arrivals.push(Date.now() - started);
        content += c;
      }
    }
    assert.equal(content, 'part0 part1 part2 part3 part4 part5 ');
    assert.equal(arrivals.length, 6, 'six content chunks');
    // The fake sends the 6 content chunks SLOW_CHUNK_MS apart: a relaying gateway delivers
    // the first long before the last.
    const spread = arrivals.at(-1) - arrivals[0];
    assert.ok(spread >= 3 * SLOW_CHUNK_MS, `first and last content chunk ${spread} ms apart (arrivals ${arrivals.join(',')})`);
  });

  test('a client that disconnects mid-stream cancels the upstream request', T, async () => {
    stack.fake.reset();
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'fake-long', messages: [{ role: 'user', content: 'long' }], stream: true },
      { signal: ac.signal },
    );
    let got = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) got++;
        if (got >= 2) ac.abort();
      }
    } catch (e) {
      assert.ok(e instanceof OpenAI.APIUserAbortError || e.name === 'AbortError', `abort error, got ${e}`);
    }
    assert.ok(got >= 2);
    // The fake streams for ~4 s; the gateway must close its upstream connection well before.
    const up = await stack.fake.waitFor(() => stack.fake.byModel('fake-long-model')[0]?.aborted, 2000);
    assert.ok(up, 'the upstream saw its connection closed within 2 s of the client leaving');
  });

  test('the gateway still serves after a client disconnect (no leaked state)', T, async () => {
    await sleep(50);
    const r = await client.chat.completions.create({ model: 'fake-chat', messages: [{ role: 'user', content: 'still there?' }] });
    assert.equal(r.choices[0].message.content, 'Fake answer to: still there?');
  });
});
