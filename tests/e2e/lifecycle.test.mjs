// Process behaviour: --check-config, the listening line, graceful SIGTERM with a stream in flight.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startGateway, standardConfig, SWITCHYARD_BIN, MASTER_KEY } from './gateway.mjs';
import { startFakeOpenAI } from './fake-openai.mjs';

const T = { timeout: 15000 };

function checkConfig(yaml) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-check-'));
  const f = join(dir, 'config.yaml');
  writeFileSync(f, yaml);
  try {
    const r = spawnSync(SWITCHYARD_BIN, ['--config', f, '--check-config'], { encoding: 'utf8', timeout: 10000, cwd: dir });
    if (r.error) throw r.error;
    return { ...r, file: f };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('process lifecycle', { timeout: 60000 }, () => {
  test('--check-config accepts the e2e config', T, () => {
    const r = checkConfig(standardConfig('http://127.0.0.1:9/v1'));
    assert.equal(r.status, 0, `exit 0\n${r.stdout}\n${r.stderr}`);
    assert.ok(r.stdout.includes(`config OK: ${r.file}`), `prints "config OK: FILE", got ${JSON.stringify(r.stdout)}`);
  });

  test('--check-config rejects a wrong type with one error line, exit 1', T, () => {
    const r = checkConfig('model_list:\n  - model_name: x\n    litellm_params:\n      model: mock/echo\n      rpm: not-a-number\n');
    assert.equal(r.status, 1, `exit 1\n${r.stdout}\n${r.stderr}`);
    const errors = (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 1, `one "error: ..." line, got ${JSON.stringify(r.stdout + r.stderr)}`);
    assert.match(errors[0], /rpm/, 'the error names the key');
  });

  test('unknown keys are accepted with a warning', T, () => {
    const r = checkConfig('model_list:\n  - model_name: x\n    litellm_params:\n      model: mock/echo\nlitellm_settings:\n  some_future_litellm_setting: true\n');
    assert.equal(r.status, 0, `exit 0\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /warning:.*some_future_litellm_setting/);
  });

  test('SIGTERM closes idle connections (kept-alive or never used) and exits promptly', T, async () => {
    const gw = await startGateway(standardConfig('http://127.0.0.1:9/v1'));
    const sockets = [];
    try {
      const open = async () => {
        const s = net.connect(gw.port, '127.0.0.1');
        s.on('error', () => {});
        await once(s, 'connect');
        s.closedAt = null;
        s.on('close', () => {
          s.closedAt = Date.now();
        });
        sockets.push(s);
        return s;
      };
      const used = await open(); // one request answered, then idle keep-alive
      used.write('GET /health/liveliness HTTP/1.1\r\nHost: e2e\r\n\r\n');
      await once(used, 'data');
      used.resume();
      const fresh = await open(); // connected, never sent a byte (e.g. a client's pre-connect)
      fresh.resume();
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      const r = await gw.stop(3000);
      const took = Date.now() - t0;
      assert.equal(r.killed, false, `still running 3 s after SIGTERM with nothing in flight (keep-alive closed: ${used.closedAt !== null}, never-used connection closed: ${fresh.closedAt !== null})`);
      assert.equal(r.code, 0, `exit code 0 (got ${r.code}, signal ${r.signal})`);
      assert.ok(used.closedAt !== null, 'the idle keep-alive connection was closed');
      assert.ok(fresh.closedAt !== null, 'the never-used connection was closed');
      assert.ok(
        took < 2000,
        `exited ${took} ms after SIGTERM with nothing in flight (keep-alive closed after ${used.closedAt - t0} ms, ` +
          `never-used connection closed after ${fresh.closedAt - t0} ms)`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await gw.stop(1000);
    }
  });

  test('SIGTERM lets an in-flight stream finish, then exits 0', T, async () => {
    const fake = await startFakeOpenAI();
    const gw = await startGateway(standardConfig(fake.baseURL));
    try {
      assert.match(gw.firstLine, /^Switchyard listening on http:\/\/127\.0\.0\.1:\d+ \(port \d+, 2 workers\)$/);
      const client = new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000 });
      const stream = await client.chat.completions.create({
        model: 'fake-slow',
        messages: [{ role: 'user', content: 'drain me' }],
        stream: true,
      });
      let content = '';
      let signalled = false;
      for await (const c of stream) {
        content += c.choices[0]?.delta?.content ?? '';
        if (!signalled && content) {
          signalled = true;
          gw.proc.kill('SIGTERM');
        }
      }
      assert.ok(signalled);
      assert.equal(content, 'part0 part1 part2 part3 part4 part5 ', 'the stream completed during the drain');
      const r = await gw.stop(8000);
      assert.equal(r.killed, false, 'exited by itself after SIGTERM');
      assert.equal(r.code, 0, `exit code 0 (got ${r.code}, signal ${r.signal})`);
    } finally {
      await gw.stop(2000);
      await fake.close();
    }
  });
});
