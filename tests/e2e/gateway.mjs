// Starts the switchyard binary for the end-to-end tests.
//
// startGateway() writes a YAML config to a temp dir, spawns
//   $SWITCHYARD_BIN --config F --host 127.0.0.1 --port 0 --workers 2
// (default binary: <repo>/build/switchyard), reads the first stdout line
//   Switchyard listening on http://127.0.0.1:PORT (port PORT, N workers)
// to learn the port, and returns a handle whose stop() sends SIGTERM, then SIGKILL if the
// process lingers. startStack() starts the fake OpenAI upstream and a gateway pointed at it.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startFakeOpenAI } from './fake-openai.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const SWITCHYARD_BIN = process.env.SWITCHYARD_BIN || join(REPO_ROOT, 'build', 'switchyard');
export const MASTER_KEY = 'sk-e2e-master';
export const UPSTREAM_KEY = 'sk-upstream-e2e';

const LISTEN_RE = /^Switchyard listening on http:\/\/([^:\s]+):(\d+) \(port (\d+), (\d+) workers?\)$/;

/** The standard config: aliases on the fake upstream plus mock aliases. */
export function standardConfig(fakeBaseURL) {
  const openaiAlias = (alias, modelId, extra = '') => `  - model_name: ${alias}
    litellm_params:
      model: openai/${modelId}
      api_base: ${fakeBaseURL}
      api_key: ${UPSTREAM_KEY}
${extra}`;
  const upstreamAliases = [
    openaiAlias('fake-chat', 'fake-model'),
    openaiAlias('fake-embed', 'fake-embed-model'),
    openaiAlias('fake-slow', 'fake-slow-model'),
    openaiAlias('fake-long', 'fake-long-model'),
    openaiAlias('fake-500', 'fake-500-model'),
    openaiAlias('fake-500-stream', 'fake-500-model'),
    openaiAlias('fake-429', 'fake-429-model'),
    openaiAlias('fake-400', 'fake-400-model'),
    openaiAlias('fake-hang', 'fake-hang-model', '      timeout: 1\n      stream_timeout: 1\n'),
  ].join('');
  return `# written by tests/e2e/gateway.mjs
model_list:
${upstreamAliases}  - model_name: fake-dead
    litellm_params:
      model: openai/fake-model
      api_base: http://127.0.0.1:1/v1
      api_key: ${UPSTREAM_KEY}
  - model_name: echo
    litellm_params:
      model: mock/echo
  - model_name: mock-embed
    litellm_params:
      model: mock/embed
router_settings:
  num_retries: 1
  allowed_fails: 50
general_settings:
  master_key: ${MASTER_KEY}
  max_request_size_mb: 1
`;
}

function binaryCheck(bin) {
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(`switchyard binary not found or not executable at ${bin} (build it, or set SWITCHYARD_BIN)`);
  }
}

/**
 * Spawns the gateway with the given YAML text.
 * Returns { port, url, baseURL, proc, output(), stop() }.
 */
export async function startGateway(configYaml, { bin = SWITCHYARD_BIN, workers = 2, startTimeoutMs = 10000, env = {} } = {}) {
  binaryCheck(bin);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml);

  const childEnv = { ...process.env, ...env };
  // The config's master_key must be the one in force, whatever the caller's shell exports.
  if (!('LITELLM_MASTER_KEY' in env)) delete childEnv.LITELLM_MASTER_KEY;
  const proc = spawn(bin, ['--config', configPath, '--host', '127.0.0.1', '--port', '0', '--workers', String(workers)], {
    cwd: dir, // a default ./switchyard.db lands in the temp dir, not in the repo
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    err += d;
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const output = () => `--- stdout ---\n${out.slice(-20_000)}\n--- stderr ---\n${err.slice(-20_000)}`;

  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));

  const firstLine = await new Promise((resolve, reject) => {
    let resolved = false;
    const finish = (fn, v) => {
      if (resolved) return;
      resolved = true;
      clearTimeout(timer);
      fn(v);
    };
    const timer = setTimeout(() => {
      finish(reject, new Error(`gateway did not print its listening line within ${startTimeoutMs} ms\n${output()}`));
    }, startTimeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.length > 200_000) out = out.slice(-100_000);
      const nl = out.indexOf('\n');
      if (!resolved && nl >= 0) finish(resolve, out.slice(0, nl).replace(/\r$/, ''));
    });
    proc.once('error', (e) => finish(reject, new Error(`cannot spawn ${bin}: ${e.message}`)));
    exited.then(({ code, signal }) =>
      finish(reject, new Error(`gateway exited (code ${code}, signal ${signal}) before listening\n${output()}`)),
    );
  }).catch((e) => {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  const m = LISTEN_RE.exec(firstLine);
  if (!m) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`unexpected first stdout line: ${JSON.stringify(firstLine)}\n${output()}`);
  }
  const port = Number(m[2]);
  if (m[1] !== '127.0.0.1' || Number(m[3]) !== port || Number(m[4]) !== workers || port === 0) {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`first stdout line does not match the arguments: ${JSON.stringify(firstLine)}`);
  }

  let stopped = null;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    baseURL: `http://127.0.0.1:${port}/v1`,
    configPath,
    proc,
    firstLine,
    output,
    exited,
    /** SIGTERM, then SIGKILL after graceMs. Resolves to { code, signal, killed }. */
    stop(graceMs = 5000) {
      if (stopped) return stopped;
      stopped = (async () => {
        let killed = false;
        if (proc.exitCode !== null || proc.signalCode !== null) {
          // It died before the tests were done with it: say so, with its output, in the test log.
          console.error(
            `switchyard exited unexpectedly (code ${proc.exitCode}, signal ${proc.signalCode}) during the tests\n${output()}`,
          );
        }
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const t = setTimeout(() => {
            killed = true;
            proc.kill('SIGKILL');
          }, graceMs);
          const r = await exited;
          clearTimeout(t);
          rmSync(dir, { recursive: true, force: true });
          return { ...r, killed };
        }
        rmSync(dir, { recursive: true, force: true });
        return { code: proc.exitCode, signal: proc.signalCode, killed };
      })();
      return stopped;
    },
  };
}

/**
 * Fake upstream + gateway with the standard config.
 * Returns { fake, gw, client(opts), stop() }.
 */
export async function startStack() {
  const fake = await startFakeOpenAI();
  let gw;
  try {
    gw = await startGateway(standardConfig(fake.baseURL));
  } catch (e) {
    await fake.close();
    throw e;
  }
  return {
    fake,
    gw,
    client(opts = {}) {
      return new OpenAI({ baseURL: gw.baseURL, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10000, ...opts });
    },
    async stop() {
      const r = await gw.stop();
      await fake.close();
      return r;
    },
  };
}

/** Rejects if p does not settle within ms (keeps a hung gateway from hanging a test). */
export function within(ms, p, what = 'operation') {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}
