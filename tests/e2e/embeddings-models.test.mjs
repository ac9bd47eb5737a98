// Embeddings (upstream and mock) and the model listing routes, through the OpenAI SDK.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack, UPSTREAM_KEY, MASTER_KEY } from './gateway.mjs';
import { fakeVector } from './fake-openai.mjs';

const T = { timeout: 10000 };
const norm = (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const ALIASES = ['fake-chat', 'fake-embed', 'fake-slow', 'fake-500', 'echo', 'mock-embed'];

describe('embeddings and models via the OpenAI SDK', { timeout: 60000 }, () => {
  let stack;
  let client;
  before(async () => {
    stack = await startStack();
    client = stack.client();
  });
  after(async () => {
    await stack?.stop();
  });

  test('embeddings (SDK default base64 encoding): vector decoded with the right length', T, async () => {
    stack.fake.reset();
    const r = await client.embeddings.create({ model: 'fake-embed', input: 'hello vectors' });
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 1);
    assert.equal(r.data[0].object, 'embedding');
    assert.equal(r.data[0].index, 0);
    assert.equal(r.data[0].embedding.length, 8);
    const expected = fakeVector('hello vectors', 8);
    r.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6, `component ${i}`));
    assert.ok(r.usage.prompt_tokens > 0);
    const up = stack.fake.requests[0];
    assert.equal(up.path, '/v1/embeddings');
    assert.equal(up.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assert.equal(up.body.model, 'fake-embed-model');
    assert.equal(up.body.input, 'hello vectors');
    assert.equal(up.body.encoding_format, 'base64', 'encoding_format forwarded as the SDK sent it');
  });

  test('embeddings (float encoding, batch input, dimensions): passed through', T, async () => {
    stack.fake.reset();
    const r = await client.embeddings.create({
      model: 'fake-embed',
      input: ['first', 'second', 'third'],
      encoding_format: 'float',
      dimensions: 16,
    });
    assert.equal(r.data.length, 3);
    r.data.forEach((d, i) => {
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, 16);
      assert.ok(Math.abs(norm(d.embedding) - 1) < 1e-4);
    });
    assert.equal(stack.fake.requests[0].body.dimensions, 16);
    assert.deepEqual(stack.fake.requests[0].body.input, ['first', 'second', 'third']);
  });

  test('mock embeddings: deterministic unit vectors, 1536 by default, decoded by the SDK', T, async () => {
    stack.fake.reset();
    const a = await client.embeddings.create({ model: 'mock-embed', input: 'same text' });
    const b = await client.embeddings.create({ model: 'mock-embed', input: 'same text' });
    assert.equal(a.data[0].embedding.length, 1536, 'default dimension 1536 (SDK requests base64 by default)');
    assert.ok(a.data[0].embedding.every((x) => Number.isFinite(x)), 'finite components');
    assert.ok(Math.abs(norm(a.data[0].embedding) - 1) < 1e-3, `unit vector (norm ${norm(a.data[0].embedding)})`);
    assert.deepEqual(a.data[0].embedding, b.data[0].embedding, 'deterministic');
    const f = await client.embeddings.create({ model: 'mock-embed', input: 'same text', encoding_format: 'float', dimensions: 64 });
    assert.equal(f.data[0].embedding.length, 64);
    assert.ok(Math.abs(norm(f.data[0].embedding) - 1) < 1e-3);
    assert.equal(stack.fake.requests.length, 0, 'the mock provider never calls the upstream');
  });

  test('models.list contains the configured aliases', T, async () => {
    const page = await client.models.list();
    const ids = [];
    for await (const m of page) {
      assert.equal(m.object, 'model');
      ids.push(m.id);
    }
    for (const alias of ALIASES) assert.ok(ids.includes(alias), `${alias} listed (got ${ids.join(', ')})`);
    assert.ok(!ids.includes('fake-model'), 'deployment model ids are not listed as aliases');
  });

  test('models.retrieve returns one alias', T, async () => {
    const m = await client.models.retrieve('fake-chat');
    assert.equal(m.id, 'fake-chat');
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.equal(typeof m.owned_by, 'string');
    const e = await client.models.retrieve('echo');
    assert.equal(e.id, 'echo');
  });

  test('models.retrieve of an unknown alias -> NotFoundError 404', T, async () => {
    await assert.rejects(client.models.retrieve('no-such-model'), (err) => {
      assert.ok(err instanceof OpenAI.NotFoundError, `NotFoundError, got ${err?.constructor?.name} ${err?.status}`);
      assert.equal(err.status, 404);
      return true;
    });
  });

  test('routes are served without the /v1 prefix too', T, async () => {
    const bare = new OpenAI({ baseURL: stack.gw.url, apiKey: MASTER_KEY, maxRetries: 0, timeout: 8000 });
    const page = await bare.models.list();
    assert.ok(page.data.some((m) => m.id === 'fake-chat'));
    const r = await bare.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'no prefix' }] });
    assert.equal(r.choices[0].message.content, 'no prefix');
    const e = await bare.embeddings.create({ model: 'fake-embed', input: 'x' });
    assert.equal(e.data[0].embedding.length, 8);
  });
});
