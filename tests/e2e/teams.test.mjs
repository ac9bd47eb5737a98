// Teams, end customers and budget objects end to end (docs/teams.md): made through the admin API
// with the master key, spent by the official OpenAI SDK. A team's budget bounds all of its keys
// (200 requests at once over 10 keys of one team whose budget pays for about 5: the team spends
// at most its budget plus one request); an end customer named by the SDK's `user` field (or the
// x-litellm-customer-id header) has its own cap, its spend in /customer/info, and can be blocked.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, MASTER_KEY } from './gateway.mjs';
import { expectApiError } from './assertions.mjs';

const T = { timeout: 30000 };
const hello = [{ role: 'user', content: 'hello there' }];
const IN_PRICE = 0.001;
const OUT_PRICE = 0.002;

function config() {
  return `# written by tests/e2e/teams.test.mjs
model_list:
  - model_name: echo-priced
    litellm_params:
      model: mock/echo
      input_cost_per_token: ${IN_PRICE}
      output_cost_per_token: ${OUT_PRICE}
  - model_name: other
    litellm_params:
      model: mock/echo
router_settings:
  num_retries: 0
  allowed_fails: 100000
general_settings:
  master_key: ${MASTER_KEY}
  database_url: sqlite:///switchyard.db
`;
}

describe('teams and customers via the OpenAI SDK', { timeout: 180000 }, () => {
  let gw;
  const openai = (apiKey, opts = {}) =>
    new OpenAI({ baseURL: gw.baseURL, apiKey, maxRetries: 0, timeout: 15000, ...opts });

  async function admin(method, path, body) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${method} ${path}: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  }

  // The cost of one request as the gateway priced it (usage x the deployment's prices).
  async function oneCost(key) {
    const r = await openai(key).chat.completions.create({ model: 'echo-priced', messages: hello, max_tokens: 8 });
    return r.usage.prompt_tokens * IN_PRICE + r.usage.completion_tokens * OUT_PRICE;
  }

  before(async () => {
    gw = await startGateway(config());
  });
  after(async () => {
    await gw?.stop();
  });

  test('200 requests over 10 keys of one team stay within the team budget + one request', T, async () => {
    const probe = await admin('POST', '/key/generate', {});
    const cost = await oneCost(probe.key);
    assert.ok(cost > 0, 'the priced deployment costs something');
    const budget = cost * 5.5;
    const team = await admin('POST', '/team/new', { team_alias: 'e2e-search', max_budget: budget });
    assert.equal(typeof team.team_id, 'string');
    const keys = [];
    for (let i = 0; i < 10; i++) keys.push((await admin('POST', '/key/generate', { team_id: team.team_id })).key);
    let ok = 0;
    const refusals = [];
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        try {
          await openai(keys[i % 10]).chat.completions.create({ model: 'echo-priced', messages: hello, max_tokens: 8 });
          ok += 1;
        } catch (err) {
          expectApiError(err, OpenAI.BadRequestError, 400);
          refusals.push(err.error.message);
        }
      }),
    );
    assert.ok(ok >= 1 && ok <= 6, `admitted ${ok} (the budget pays for ~5)`);
    assert.ok(refusals.every((m) => m.includes(`Team=${team.team_id}`)), `the team refused: ${refusals[0]}`);
    // The spend row batch reaches the store within ~100 ms; the live figure is in team_info.
    const info = await admin('GET', `/team/info?team_id=${encodeURIComponent(team.team_id)}`);
    const spend = info.team_info.spend;
    assert.ok(spend <= budget + cost * 1.0001 + 1e-9, `team spend ${spend} <= budget ${budget} + one request ${cost}`);
    assert.ok(Math.abs(spend - ok * cost) < 1e-9, `spend ${spend} is what the ${ok} admitted requests cost`);
  });

  test('a blocked team is refused with 401; unblocked it serves again', T, async () => {
    const team = await admin('POST', '/team/new', { team_alias: 'e2e-blocked' });
    const { key } = await admin('POST', '/key/generate', { team_id: team.team_id });
    await admin('POST', '/team/block', { team_id: team.team_id });
    await assert.rejects(
      openai(key).chat.completions.create({ model: 'other', messages: hello }),
      (err) => expectApiError(err, OpenAI.AuthenticationError, 401) && err.error.message.includes('is blocked'),
    );
    await admin('POST', '/team/unblock', { team_id: team.team_id });
    const r = await openai(key).chat.completions.create({ model: 'other', messages: hello });
    assert.equal(r.choices[0].message.content, 'hello there');
  });

  test('a team model list bounds its keys', T, async () => {
    const team = await admin('POST', '/team/new', { team_alias: 'e2e-models', models: ['other'] });
    const { key } = await admin('POST', '/key/generate', { team_id: team.team_id });
    await openai(key).chat.completions.create({ model: 'other', messages: hello });
    await assert.rejects(
      openai(key).chat.completions.create({ model: 'echo-priced', messages: hello }),
      (err) => expectApiError(err, OpenAI.AuthenticationError, 401) && err.code === 'team_model_access_denied',
    );
  });

  test('an end customer named by `user` has its own cap and its spend', T, async () => {
    const { key } = await admin('POST', '/key/generate', {});
    const cost = await oneCost(key);
    await admin('POST', '/customer/new', { user_id: 'e2e-acme', max_budget: cost * 2.5 });
    const client = openai(key);
    let ok = 0;
    let refused;
    for (let i = 0; i < 6 && !refused; i++) {
      try {
        await client.chat.completions.create({ model: 'echo-priced', messages: hello, max_tokens: 8, user: 'e2e-acme' });
        ok += 1;
      } catch (err) {
        refused = err;
      }
    }
    assert.equal(ok, 3, 'admitted while spend < budget');
    expectApiError(refused, OpenAI.BadRequestError, 400);
    assert.match(refused.error.message, /ExceededBudget: End User=e2e-acme over budget/);
    // Another customer on the same key is not affected; the header names a customer too.
    await client.chat.completions.create({ model: 'echo-priced', messages: hello, user: 'e2e-other' });
    await assert.rejects(
      openai(key, { defaultHeaders: { 'x-litellm-customer-id': 'e2e-acme' } }).chat.completions.create({
        model: 'echo-priced',
        messages: hello,
      }),
      (err) => expectApiError(err, OpenAI.BadRequestError, 400),
    );
    await new Promise((r) => setTimeout(r, 300)); // the spend batch reaches the store
    const info = await admin('GET', '/customer/info?end_user_id=e2e-acme');
    assert.ok(Math.abs(info.spend - 3 * cost) < 1e-9, `customer spend ${info.spend} = 3 requests`);
  });

  test('spend logs and the spend report filter and group by team, user and customer', T, async () => {
    const team = await admin('POST', '/team/new', { team_alias: 'e2e-report' });
    const { key } = await admin('POST', '/key/generate', { team_id: team.team_id, user_id: 'e2e-ann' });
    for (const user of ['e2e-c1', 'e2e-c1', 'e2e-c2']) {
      await openai(key).chat.completions.create({ model: 'echo-priced', messages: hello, user });
    }
    await new Promise((r) => setTimeout(r, 300)); // the spend rows reach the store
    const byTeam = await admin('GET', `/spend/logs?team_id=${encodeURIComponent(team.team_id)}`);
    assert.equal(byTeam.length, 3, 'the team\'s three requests');
    assert.ok(byTeam.every((r) => r.team_id === team.team_id && r.user === 'e2e-ann'));
    const byCustomer = await admin('GET', '/spend/logs?end_user=e2e-c1');
    assert.equal(byCustomer.length, 2);
    const byUser = await admin('GET', '/spend/logs?user_id=e2e-ann');
    assert.equal(byUser.length, 3);
    const day = new Date().toISOString().slice(0, 10);
    const next = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
    const report = await admin('GET', `/global/spend/report?group_by=user&start_date=${day}&end_date=${next}`);
    const users = report.flatMap((d) => d.users);
    const ann = users.find((u) => u.user === 'e2e-ann');
    assert.ok(ann && ann.total_spend > 0 && ann.total_requests === 3, JSON.stringify(users));
    const customers = (
      await admin('GET', `/global/spend/report?group_by=customer&team_id=${team.team_id}&start_date=${day}&end_date=${next}`)
    ).flatMap((d) => d.customers);
    assert.deepEqual(customers.map((c) => c.customer).sort(), ['e2e-c1', 'e2e-c2']);
  });

  test('a blocked customer is refused with 400, and served again once unblocked', T, async () => {
    const { key } = await admin('POST', '/key/generate', {});
    await admin('POST', '/customer/block', { user_ids: ['e2e-blocked'] });
    await assert.rejects(
      openai(key).chat.completions.create({ model: 'other', messages: hello, user: 'e2e-blocked' }),
      (err) =>
        expectApiError(err, OpenAI.BadRequestError, 400) &&
        err.error.message === 'User blocked from making LLM API Calls. User=e2e-blocked',
    );
    await admin('POST', '/customer/unblock', { user_ids: ['e2e-blocked'] });
    await openai(key).chat.completions.create({ model: 'other', messages: hello, user: 'e2e-blocked' });
  });
});

describe('litellm_settings.max_end_user_budget', { timeout: 60000 }, () => {
  let gw;
  before(async () => {
    gw = await startGateway(`${config()}litellm_settings:\n  max_end_user_budget: 0.000001\n`);
  });
  after(async () => {
    await gw?.stop();
  });

  test('caps every customer that has no budget of its own', T, async () => {
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 15000 });
    const ask = (user) => client.chat.completions.create({ model: 'echo-priced', messages: hello, user });
    await ask('e2e-new-customer'); // spend 0 < the default budget: admitted, then over it
    await assert.rejects(ask('e2e-new-customer'), (err) =>
      expectApiError(err, OpenAI.BadRequestError, 400) &&
      /ExceededBudget: End User=e2e-new-customer over budget/.test(err.error.message),
    );
    await ask('e2e-another-customer'); // each customer has its own spend
    await client.chat.completions.create({ model: 'echo-priced', messages: hello }); // no customer
  });
});
