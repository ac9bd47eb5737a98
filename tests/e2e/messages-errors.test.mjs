// Every kind of error an Anthropic-format client (the official @anthropic-ai/sdk) can meet on
// POST /v1/messages, in both directions:
//   A. the gateway's own errors (auth, unknown model, validation, body size, cooldown, timeout);
//   B. errors of an OpenAI-format provider (the fake OpenAI upstream), translated;
//   C. errors of an Anthropic provider (the fake Anthropic upstream), passed through as they are,
//      except an upstream 401, which the gateway answers with its own message;
//   D. the OpenAI SDK on an Anthropic-backed alias: Anthropic's 529 is a 503 with code
//      "overloaded_error".
//
// The contract: an Anthropic error body is {"type":"error","error":{"type":T,"message":M}} and T
// follows the HTTP status the gateway answers: 400/405/422 invalid_request_error,
// 401 authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error,
// 413 request_too_large, 429 rate_limit_error, 408/504 timeout_error, 503/529 overloaded_error,
// any other 5xx api_error. A provider that says it is overloaded (Anthropic 529, an OpenAI-format
// 503, an overloaded error event before any content in a 200 stream) reaches an Anthropic-format
// client as 529 overloaded_error.
//
// The SDK exposes the parsed body as err.error ({"type":"error","error":{...}}), its inner type
// as err.type and its message as err.apiMessage; the class comes from the status
// (APIError.generate: 529 OverloadedError, 504 GatewayTimeoutError, 413 ContentTooLargeError...).
// Every gateway here runs with num_retries: 0 (the cooldown scenario excepted) so each test is fast.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, within, MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';
import { startFakeOpenAI } from './fake-openai.mjs';
import { startFakeAnthropic } from './fake-anthropic.mjs';

const T = { timeout: 10000 };
const hello = [{ role: 'user', content: 'hello there' }];

/** The Anthropic error type the contract gives an HTTP status. */
function typeForStatus(status) {
  switch (status) {
    case 400:
    case 405:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : undefined;
  }
}

function anthropicClient(gw, opts = {}) {
  return new Anthropic({ baseURL: gw.url, apiKey: MASTER_KEY, maxRetries: 0, timeout: 8000, ...opts });
}

/**
 * A client whose requests go out with the given auth headers only: the SDK insists on a
 * credential, so it gets a dummy one and a fetch that replaces the auth headers on the wire.
 */
function clientWithAuthHeaders(gw, authHeaders) {
  const rewrite = (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    headers.delete('x-api-key');
    for (const [k, v] of Object.entries(authHeaders)) headers.set(k, v);
    return fetch(url, { ...init, headers });
  };
  return anthropicClient(gw, { apiKey: 'sk-replaced-on-the-wire', fetch: rewrite });
}

/** Awaits p and returns the error it rejects with (fails if it resolves). */
async function rejection(p, what) {
  let value;
  try {
    value = await within(8000, p, what);
  } catch (e) {
    return e;
  }
  let shown;
  try {
    shown = JSON.stringify(value)?.slice(0, 300);
  } catch {
    shown = value?.constructor?.name; // e.g. a Stream: the gateway answered 200
  }
  assert.fail(`${what}: expected an error, got a success: ${shown}`);
}

/** Header of an SDK error (a Headers object). */
function errHeader(err, name) {
  const h = err?.headers;
  if (!h) return undefined;
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  return h[name];
}

function describeErr(err) {
  return `${err?.constructor?.name} status=${err?.status} body=${JSON.stringify(err?.error)} message=${err?.message}`;
}

/**
 * Asserts err is an SDK error of class cls with the status (a number, or a predicate on it), an
 * Anthropic-shaped body whose error.type is `type` and agrees with the status table, a non-empty
 * message and no secret in the body. Returns the inner {type, message}.
 */
function expectAnthropicError(err, cls, status, type) {
  const what = describeErr(err);
  assert.ok(err instanceof Anthropic.APIError, `an APIError with a status, got ${what}`);
  assert.ok(!(err instanceof Anthropic.APIConnectionError), `a status, not a connection error: ${what}`);
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${what}`);
  if (typeof status === 'function') assert.ok(status(err.status), `unexpected status: ${what}`);
  else assert.equal(err.status, status, `status: ${what}`);
  assert.ok(err.error && typeof err.error === 'object', `a JSON body: ${what}`);
  assert.equal(err.error.type, 'error', `Anthropic-shaped body {"type":"error",...}: ${what}`);
  assert.ok(err.error.error && typeof err.error.error === 'object', `body.error is an object: ${what}`);
  assert.equal(err.error.error.type, type, `error.type: ${what}`);
  assert.equal(typeForStatus(err.status), type, `error.type agrees with the status table: ${what}`);
  assert.equal(err.type, type, 'the SDK reads the same type');
  assert.equal(typeof err.error.error.message, 'string', `error.message is a string: ${what}`);
  assert.ok(err.error.error.message.length > 0, `non-empty error.message: ${what}`);
  assert.equal(err.apiMessage, err.error.error.message);
  const body = JSON.stringify(err.error);
  for (const secret of [MASTER_KEY, UPSTREAM_KEY]) assert.ok(!body.includes(secret), `no secret in the body: ${body}`);
  return err.error.error;
}

// ---------------------------------------------------------------------------------------------
// A. The gateway's own errors
// ---------------------------------------------------------------------------------------------

describe('/v1/messages errors: the gateway\'s own', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeOpenAI();
    fake.setFault('me-slow', { delayMs: 3000 });
    const yaml = `# written by tests/e2e/messages-errors.test.mjs (A)
model_list:
  - model_name: echo
    litellm_params:
      model: mock/echo
  - model_name: me-chat
    litellm_params:
      model: openai/me-chat
      api_base: ${fake.baseURL}
      api_key: ${UPSTREAM_KEY}
  - model_name: me-slow
    litellm_params:
      model: openai/me-slow
      api_base: ${fake.baseURL}
      api_key: ${UPSTREAM_KEY}
router_settings:
  num_retries: 0
  allowed_fails: 50
general_settings:
  master_key: ${MASTER_KEY}
  max_request_size_mb: 0.01
`;
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
    client = anthropicClient(gw);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('control: a valid request succeeds (mock and OpenAI upstream)', T, async () => {
    const a = await within(8000, client.messages.create({ model: 'echo', max_tokens: 10, messages: hello }), 'echo');
    assert.equal(a.content[0].text, 'hello there');
    const b = await within(8000, client.messages.create({ model: 'me-chat', max_tokens: 10, messages: hello }), 'me-chat');
    assert.equal(b.content[0].text, 'Fake answer to: hello there');
  });

  test('no key -> 401 authentication_error (AuthenticationError)', T, async () => {
    fake.reset();
    const err = await rejection(
      clientWithAuthHeaders(gw, {}).messages.create({ model: 'me-chat', max_tokens: 10, messages: hello }),
      'no key',
    );
    expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error');
    assert.equal(fake.requests.length, 0, 'no upstream call');
  });

  test('wrong key (Bearer) -> 401 authentication_error (AuthenticationError)', T, async () => {
    fake.reset();
    const bad = anthropicClient(gw, { apiKey: 'sk-wrong-key' });
    const err = await rejection(bad.messages.create({ model: 'me-chat', max_tokens: 10, messages: hello }), 'wrong key');
    const e = expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error');
    assert.ok(!e.message.includes('sk-wrong-key'), `the presented key is not echoed: ${e.message}`);
    assert.equal(fake.requests.length, 0, 'no upstream call');
  });

  test('wrong key (x-api-key) -> 401 authentication_error (AuthenticationError)', T, async () => {
    const err = await rejection(
      clientWithAuthHeaders(gw, { 'x-api-key': 'sk-wrong-key' }).messages.create({ model: 'echo', max_tokens: 10, messages: hello }),
      'wrong x-api-key',
    );
    expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error');
  });

  test('unknown model -> 404 not_found_error (NotFoundError)', T, async () => {
    const err = await rejection(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: hello }), 'unknown model');
    const e = expectAnthropicError(err, Anthropic.NotFoundError, 404, 'not_found_error');
    assert.match(e.message, /no-such-model/, 'the message names the model');
  });

  test('missing max_tokens -> 400 invalid_request_error (BadRequestError)', T, async () => {
    fake.reset();
    const err = await rejection(client.messages.create({ model: 'me-chat', messages: hello }), 'missing max_tokens');
    const e = expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error');
    assert.match(e.message, /max_tokens/);
    assert.equal(fake.requests.length, 0, 'no upstream call');
  });

  test('body over max_request_size_mb (0.01) -> 413 request_too_large (ContentTooLargeError)', T, async () => {
    fake.reset();
    const big = [{ role: 'user', content: 'x'.repeat(64 * 1024) }];
    const err = await rejection(client.messages.create({ model: 'me-chat', max_tokens: 10, messages: big }), 'too large');
    expectAnthropicError(err, Anthropic.ContentTooLargeError, 413, 'request_too_large');
    assert.equal(fake.requests.length, 0, 'no upstream call');
  });

  test('x-litellm-timeout 0.5 against a 3 s upstream -> 504 timeout_error (GatewayTimeoutError)', T, async () => {
    fake.reset();
    const t0 = Date.now();
    const err = await rejection(
      client.messages.create({ model: 'me-slow', max_tokens: 10, messages: hello }, { headers: { 'x-litellm-timeout': '0.5' } }),
      'timeout',
    );
    const elapsed = Date.now() - t0;
    expectAnthropicError(err, Anthropic.GatewayTimeoutError, 504, 'timeout_error');
    assert.ok(elapsed >= 400, `not before the 0.5 s timeout: ${elapsed} ms`);
    assert.ok(elapsed < 2500, `the 0.5 s timeout applies: ${elapsed} ms`);
    assert.equal(fake.byModel('me-slow').length, 1, 'one upstream attempt (num_retries: 0)');
  });
});

describe('/v1/messages errors: every deployment cooling down', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeOpenAI();
    fake.setFault('me-down-a', { status: 500 });
    fake.setFault('me-down-b', { status: 500 });
    const dep = (model, id) => `  - model_name: me-down
    litellm_params:
      model: openai/${model}
      api_base: ${fake.baseURL}
      api_key: ${UPSTREAM_KEY}
    model_info:
      id: ${id}
`;
    const yaml = `# written by tests/e2e/messages-errors.test.mjs (cooldown)
model_list:
${dep('me-down-a', 'me-down-a')}${dep('me-down-b', 'me-down-b')}router_settings:
  num_retries: 1
  allowed_fails: 0
  cooldown_time: 5
general_settings:
  master_key: ${MASTER_KEY}
`;
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
    client = anthropicClient(gw);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  test('first request a 5xx api_error, then 429 rate_limit_error with retry-after (RateLimitError)', { timeout: 15000 }, async () => {
    const first = await rejection(client.messages.create({ model: 'me-down', max_tokens: 10, messages: hello }), 'first');
    expectAnthropicError(first, Anthropic.InternalServerError, (s) => s >= 500 && ![503, 504, 529].includes(s), 'api_error');
    const upstreamAfterFirst = fake.requests.length;
    assert.ok(upstreamAfterFirst >= 1 && upstreamAfterFirst <= 2, `1..2 upstream attempts, saw ${upstreamAfterFirst}`);

    const second = await rejection(client.messages.create({ model: 'me-down', max_tokens: 10, messages: hello }), 'second');
    expectAnthropicError(second, Anthropic.RateLimitError, 429, 'rate_limit_error');
    const ra = errHeader(second, 'retry-after');
    assert.ok(ra !== undefined, 'retry-after header present');
    assert.match(String(ra), /^\d+$/, `retry-after is an integer number of seconds: ${ra}`);
    assert.ok(Number(ra) >= 1 && Number(ra) <= 5, `retry-after within the 5 s cooldown: ${ra}`);
    assert.equal(fake.requests.length, upstreamAfterFirst, 'no upstream call while every deployment cools down');
  });
});

// ---------------------------------------------------------------------------------------------
// B. An OpenAI-format provider's errors, translated
// ---------------------------------------------------------------------------------------------

const OA_FAULTS = {
  'oa-400-model': {
    status: 400,
    error: { message: "Invalid value for 'temperature': must be at most 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' },
  },
  'oa-404-model': {
    status: 404,
    error: { message: 'The model `oa-404-model` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' },
  },
  'oa-503-model': {
    status: 503,
    error: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null },
  },
  // Statuses outside the list above: whatever status the gateway answers, its type must follow it.
  'oa-401-model': { status: 401, error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
  'oa-402-model': { status: 402, error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } },
  'oa-403-model': { status: 403, error: { message: 'Country, region, or territory not supported.', type: 'invalid_request_error', param: null, code: 'unsupported_country_region_territory' } },
  'oa-422-model': { status: 422, error: { message: 'Unprocessable entity.', type: 'invalid_request_error', param: null, code: null } },
  'oa-504-model': { status: 504, error: { message: 'Gateway timeout.', type: 'server_error', param: null, code: null } },
};

describe('/v1/messages errors: OpenAI-format provider', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeOpenAI();
    for (const [model, fault] of Object.entries(OA_FAULTS)) fake.setFault(model, fault);
    const alias = (name, model) => `  - model_name: ${name}
    litellm_params:
      model: openai/${model}
      api_base: ${fake.baseURL}
      api_key: ${UPSTREAM_KEY}
`;
    const yaml = `# written by tests/e2e/messages-errors.test.mjs (B)
model_list:
${alias('oa-ok', 'fake-model')}${alias('oa-400', 'oa-400-model')}${alias('oa-context', 'fake-400-model')}${alias('oa-404', 'oa-404-model')}${alias('oa-429', 'fake-429-model')}${alias('oa-503', 'oa-503-model')}${alias('oa-500', 'fake-500-model')}${Object.keys(OA_FAULTS)
      .filter((m) => /^oa-(401|402|403|422|504)-model$/.test(m))
      .map((m) => alias(m.replace(/-model$/, ''), m))
      .join('')}router_settings:
  num_retries: 0
  allowed_fails: 1000
general_settings:
  master_key: ${MASTER_KEY}
`;
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
    client = anthropicClient(gw);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  const create = (model, extra = {}) => client.messages.create({ model, max_tokens: 10, messages: hello, ...extra });

  test('control: the alias answers', T, async () => {
    const msg = await within(8000, create('oa-ok'), 'oa-ok');
    assert.equal(msg.content[0].text, 'Fake answer to: hello there');
  });

  test('upstream 400 -> 400 invalid_request_error (BadRequestError)', T, async () => {
    fake.reset();
    const err = await rejection(create('oa-400'), 'oa-400');
    expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error');
    assert.equal(fake.byModel('oa-400-model').length, 1, 'one upstream call');
  });

  test('upstream 400 context_length_exceeded -> 400 invalid_request_error (BadRequestError)', T, async () => {
    const err = await rejection(create('oa-context'), 'oa-context');
    const e = expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error');
    assert.match(e.message, /context length/i, 'the provider\'s context-length message is kept');
  });

  test('upstream 404 -> 404 not_found_error (NotFoundError)', T, async () => {
    const err = await rejection(create('oa-404'), 'oa-404');
    expectAnthropicError(err, Anthropic.NotFoundError, 404, 'not_found_error');
  });

  test('upstream 429 -> 429 rate_limit_error (RateLimitError)', T, async () => {
    const err = await rejection(create('oa-429'), 'oa-429');
    expectAnthropicError(err, Anthropic.RateLimitError, 429, 'rate_limit_error');
  });

  test('upstream 503 -> 529 overloaded_error (OverloadedError)', T, async () => {
    fake.reset();
    const err = await rejection(create('oa-503'), 'oa-503');
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
    assert.equal(fake.byModel('oa-503-model').length, 1, 'one upstream call (num_retries: 0)');
  });

  test('upstream 500 -> 5xx api_error (InternalServerError)', T, async () => {
    const err = await rejection(create('oa-500'), 'oa-500');
    expectAnthropicError(err, Anthropic.InternalServerError, (s) => s >= 500 && ![503, 504, 529].includes(s), 'api_error');
  });

  test('stream: true, upstream 503 -> the call rejects with 529 overloaded_error', T, async () => {
    const err = await rejection(create('oa-503', { stream: true }), 'oa-503 stream');
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
  });

  test('messages.stream(), upstream 503 -> finalMessage rejects with 529 overloaded_error', T, async () => {
    const err = await rejection(client.messages.stream({ model: 'oa-503', max_tokens: 10, messages: hello }).finalMessage(), 'oa-503 helper');
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
  });

  for (const upstream of [401, 402, 403, 422, 504]) {
    test(`upstream ${upstream} -> an error whose type follows the status the gateway answers`, T, async () => {
      const err = await rejection(create(`oa-${upstream}`), `oa-${upstream}`);
      assert.ok(err instanceof Anthropic.APIError && typeof err.status === 'number', describeErr(err));
      const type = typeForStatus(err.status);
      assert.ok(type, `a status in the table: ${describeErr(err)}`);
      expectAnthropicError(err, Anthropic.APIError, err.status, type);
      console.log(`# upstream ${upstream} -> gateway ${err.status} ${type}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// C/D. An Anthropic provider's errors, passed through; the OpenAI SDK on the same alias
// ---------------------------------------------------------------------------------------------

describe('/v1/messages errors: Anthropic provider (pass-through)', { timeout: 60000 }, () => {
  let fake;
  let gw;
  let client;
  before(async () => {
    fake = await startFakeAnthropic(UPSTREAM_KEY);
    const alias = (name) => `  - model_name: ${name}
    litellm_params:
      model: anthropic/${name}
      api_base: ${fake.baseURL}
      api_key: ${UPSTREAM_KEY}
`;
    const names = ['claude-ok', 'claude-529', 'claude-429', 'claude-long-prompt', 'claude-bad-key', 'claude-bad-key-echo', 'claude-stream-error'];
    const yaml = `# written by tests/e2e/messages-errors.test.mjs (C)
model_list:
${names.map(alias).join('')}router_settings:
  num_retries: 0
  allowed_fails: 1000
general_settings:
  master_key: ${MASTER_KEY}
`;
    try {
      gw = await startGateway(yaml);
    } catch (e) {
      await fake.close();
      throw e;
    }
    client = anthropicClient(gw);
  });
  after(async () => {
    await gw?.stop();
    await fake?.close();
  });

  const create = (model, extra = {}) => client.messages.create({ model, max_tokens: 10, messages: hello, ...extra });

  test('control: the alias answers', T, async () => {
    const msg = await within(8000, create('claude-ok'), 'claude-ok');
    assert.equal(msg.content[0].text, 'Claude says: hello there');
  });

  test('upstream 529 overloaded_error -> 529, the provider\'s body unchanged (OverloadedError)', T, async () => {
    fake.reset();
    const err = await rejection(create('claude-529'), 'claude-529');
    const e = expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
    assert.equal(e.message, 'Overloaded', 'the provider\'s message text');
    assert.equal(fake.requests.length, 1, 'one upstream call (num_retries: 0)');
  });

  test('upstream 429 rate_limit_error -> 429, body unchanged, retry-after kept (RateLimitError)', T, async () => {
    const err = await rejection(create('claude-429'), 'claude-429');
    const e = expectAnthropicError(err, Anthropic.RateLimitError, 429, 'rate_limit_error');
    assert.equal(e.message, 'Number of request tokens has exceeded your rate limit');
    assert.equal(errHeader(err, 'retry-after'), '7', 'the provider\'s retry-after');
  });

  test('upstream 400 "prompt is too long" -> 400, body unchanged (BadRequestError)', T, async () => {
    const err = await rejection(create('claude-long-prompt'), 'claude-long-prompt');
    const e = expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error');
    assert.equal(e.message, 'prompt is too long: 208310 tokens > 200000 maximum');
  });

  test('upstream 401 -> 401 authentication_error with the gateway\'s own message (AuthenticationError)', T, async () => {
    const err = await rejection(create('claude-bad-key'), 'claude-bad-key');
    const e = expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error');
    assert.notEqual(e.message, 'invalid x-api-key', 'not the provider\'s message');
  });

  test('upstream 401 quoting the upstream key -> the key never reaches the client', T, async () => {
    fake.reset();
    const err = await rejection(create('claude-bad-key-echo'), 'claude-bad-key-echo');
    const e = expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error');
    assert.equal(fake.requests.length, 1, 'the provider was called');
    assert.ok(!e.message.includes(UPSTREAM_KEY), `no upstream key in the message: ${e.message}`);
    assert.ok(!err.message.includes(UPSTREAM_KEY), 'no upstream key in the SDK message');
    assert.ok(!e.message.startsWith('invalid x-api-key'), `not the provider's message: ${e.message}`);
  });

  test('stream: true, upstream 529 -> the call rejects with 529 overloaded_error, body unchanged', T, async () => {
    const err = await rejection(create('claude-529', { stream: true }), 'claude-529 stream');
    const e = expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
    assert.equal(e.message, 'Overloaded');
  });

  test('stream: true, overloaded error event before any content -> HTTP 529 overloaded_error', T, async () => {
    const err = await rejection(create('claude-stream-error', { stream: true }), 'claude-stream-error');
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
  });

  test('messages.stream(), overloaded error event before any content -> finalMessage rejects with 529', T, async () => {
    const err = await rejection(
      client.messages.stream({ model: 'claude-stream-error', max_tokens: 10, messages: hello }).finalMessage(),
      'claude-stream-error helper',
    );
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error');
  });

  test('D: the OpenAI SDK on the alias, upstream 529 -> 503 InternalServerError, code overloaded_error', T, async () => {
    const oa = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 8000 });
    const err = await rejection(
      oa.chat.completions.create({ model: 'claude-529', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] }),
      'openai sdk claude-529',
    );
    const what = `${err?.constructor?.name} status=${err?.status} body=${JSON.stringify(err?.error)}`;
    assert.ok(err instanceof OpenAI.InternalServerError, `expected InternalServerError, got ${what}`);
    assert.equal(err.status, 503, what);
    assert.ok(err.error && typeof err.error.message === 'string' && err.error.message.length > 0, `OpenAI-shaped body: ${what}`);
    assert.equal(err.error.code, 'overloaded_error', what);
    assert.equal(err.code, 'overloaded_error', what);
    for (const secret of [MASTER_KEY, UPSTREAM_KEY]) assert.ok(!JSON.stringify(err.error).includes(secret));
  });

  test('D: the OpenAI SDK stream on the alias, upstream 529 -> 503 code overloaded_error', T, async () => {
    const oa = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 8000 });
    const err = await rejection(
      oa.chat.completions.create({ model: 'claude-529', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hello' }] }),
      'openai sdk claude-529 stream',
    );
    const what = `${err?.constructor?.name} status=${err?.status} body=${JSON.stringify(err?.error)}`;
    assert.ok(err instanceof OpenAI.InternalServerError, `expected InternalServerError, got ${what}`);
    assert.equal(err.status, 503, what);
    assert.equal(err.error?.code, 'overloaded_error', what);
  });
});
