// Assertions shared by the e2e suites.
import assert from 'node:assert/strict';
import { MASTER_KEY, UPSTREAM_KEY } from './gateway.mjs';

/** Asserts err is an instance of cls with the status and an OpenAI-shaped body, no secret echoed. */
export function expectApiError(err, cls, status) {
  const name = `${err?.constructor?.name} status=${err?.status} message=${err?.message}`;
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${name}`);
  assert.equal(err.status, status, `status (${name})`);
  assert.ok(err.error && typeof err.error === 'object', `OpenAI-shaped body {"error":{...}} (${name})`);
  assert.equal(typeof err.error.message, 'string');
  assert.ok(err.error.message.length > 0, 'non-empty message');
  assert.ok('type' in err.error, 'error.type present');
  for (const secret of [MASTER_KEY, UPSTREAM_KEY]) {
    assert.ok(!JSON.stringify(err.error).includes(secret), 'no secret echoed in the error');
  }
  return true;
}
