// The local response cache through the official OpenAI SDK: a repeated request is answered from
// the cache (x-cache: HIT) without the provider, and a streaming hit is a stream the SDK reads
// like any other — content, finish reason, usage when asked — whether the answer was stored from
// a stream or from a whole answer.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, standardConfig, MASTER_KEY } from './gateway.mjs';
import { startFakeOpenAI } from './fake-openai.mjs';

const T = { timeout: 10000 };

describe('response cache via the OpenAI SDK', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeOpenAI();
    const yaml = standardConfig(fake.baseURL) +
      'litellm_settings:\n  cache: true\n  cache_params:\n    type: local\n    ttl: 60\n';
    gw = await startGateway(yaml);
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  async function collect(stream) {
    let text = '';
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    return { text, finish, usage };
  }

  test('a repeated request is a hit; the provider is asked once', T, async () => {
    fake.reset();
    const ask = () => client.chat.completions
      .create({ model: 'fake-chat', messages: [{ role: 'user', content: 'cache me' }] })
      .withResponse();
    const first = await ask();
    assert.equal(first.response.headers.get('x-cache'), 'MISS');
    const second = await ask();
    assert.equal(second.response.headers.get('x-cache'), 'HIT');
    assert.deepEqual(second.data, first.data);
    assert.equal(fake.requests.length, 1);
  });

  test('a streamed answer is replayed as a stream the SDK reads, and answers a whole request', T, async () => {
    fake.reset();
    const messages = [{ role: 'user', content: 'stream me' }];
    const first = await collect(await client.chat.completions.create({ model: 'fake-chat', messages, stream: true }));
    assert.ok(first.text.length > 0);
    let hit;
    for (let i = 0; i < 20; i++) {  // the stream is stored once it ended
      const { data, response } = await client.chat.completions
        .create({ model: 'fake-chat', messages, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      if (response.headers.get('x-cache') === 'HIT') {
        hit = await collect(data);
        break;
      }
      await collect(data);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(hit, 'no hit after the stream completed');
    assert.equal(hit.text, first.text);
    assert.equal(hit.finish, 'stop');
    assert.ok(hit.usage && hit.usage.total_tokens > 0, 'usage chunk on a replay that asked for it');
    const whole = await client.chat.completions.create({ model: 'fake-chat', messages });
    assert.equal(whole.choices[0].message.content, first.text);
  });

  test('a whole answer is replayed as a stream', T, async () => {
    const messages = [{ role: 'user', content: 'whole first' }];
    const whole = await client.chat.completions.create({ model: 'fake-chat', messages });
    const replay = await collect(await client.chat.completions.create({ model: 'fake-chat', messages, stream: true }));
    assert.equal(replay.text, whole.choices[0].message.content);
    assert.equal(replay.finish, 'stop');
  });
});
