// A fake OpenAI upstream for the end-to-end tests.
//
// It speaks OpenAI's wire format (chat completions with and without streaming, legacy
// completions, embeddings in float and base64 encodings, OpenAI-shaped errors) and records every
// request it receives so tests can assert what the gateway sent upstream.
//
// Behaviour is chosen by the `model` in the request body:
//   fake-model          normal answer: "Fake answer to: <last user text>"; with `tools` (and
//                       tool_choice not "none") answers with a tool call to the first tool
//   fake-slow-model     streams 6 content chunks SLOW_CHUNK_MS apart (tests relay without buffering)
//   fake-long-model     streams 40 chunks 100 ms apart (tests client-disconnect cancellation)
//   fake-500-model      500 server_error
//   fake-429-model      429 rate_limit_exceeded
//   fake-400-model      400 invalid_request_error (context_length_exceeded)
//   fake-hang-model     never answers until the connection closes (tests upstream timeouts)
//   fake-embed-model    embeddings of dimension `dimensions` or 8
// Anything else under /v1/chat/completions answers like fake-model.
//
// Programmed faults (fake.setFault(model, fault)) take precedence over the behaviours above for
// requests whose body.model is `model`:
//   { status, error, headers, times, delayMs }
//   status    answer with this HTTP status and an OpenAI-shaped error body (`error` overrides
//             the {message,type,param,code} object); without status, answer normally
//   headers   extra response headers (e.g. { 'retry-after': '1' })
//   times     how many requests the fault applies to (default: all); later requests answer normally
//   delayMs   wait this long before answering (ends early when the client goes away)
// fake.clearFaults() removes them all; fake.faultHits(model) counts the requests a fault applied to.
// Azure paths (/openai/deployments/{deployment}/chat/completions?api-version=..., key in the
// `api-key` header) are served as the matching /v1 path.
// POST /v1/responses (OpenAI's Responses API, which the gateway passes openai/ deployments'
// Responses requests to) answers a `response` object, or with "stream": true the typed event
// stream (`event: <type>` + `data:` lines, sequence_number from 0, no [DONE]): "Fake answer to:
// <last user text of input>", or with function `tools` (and tool_choice not "none") and no
// function_call_output as the last input item, a function_call of the first tool. Its response
// ids are `resp_` + 48 hex digits.

import http from 'node:http';
import { randomBytes } from 'node:crypto';

export const SLOW_CHUNK_MS = 150;

const nowSec = () => Math.floor(Date.now() / 1000);
const rid = (prefix) => `${prefix}-${randomBytes(12).toString('hex')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const estTokens = (s) => Math.max(1, Math.ceil(String(s ?? '').length / 4));

export function lastUserText(messages) {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.role === 'user') {
      if (typeof m.content === 'string') return m.content;
      if (Array.isArray(m.content)) {
        return m.content.filter((p) => p && p.type === 'text').map((p) => p.text).join(' ');
      }
    }
  }
  return '';
}

export function fakeAnswer(messages) {
  return `Fake answer to: ${lastUserText(messages)}`;
}

/** Splits text into word chunks that concatenate back to it exactly. */
export function wordChunks(text) {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function usageFor(promptText, completionText) {
  const prompt_tokens = estTokens(promptText);
  const completion_tokens = estTokens(completionText);
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'openai-processing-ms': '1',
    'x-request-id': rid('req'),
    ...headers,
  });
  res.end(body);
}

function sendError(res, status, message, type, code = null, param = null, headers = {}) {
  sendJson(res, status, { error: { message, type, param, code } }, headers);
}

function toolCallFor(body) {
  const tool = body.tools.find((t) => t && t.type === 'function') ?? body.tools[0];
  const name = tool?.function?.name ?? 'unknown';
  return {
    id: 'call_e2e_0001',
    type: 'function',
    function: { name, arguments: JSON.stringify({ location: 'Paris', unit: 'celsius' }) },
  };
}

function wantsTool(body) {
  return Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none';
}

function chatCompletion(body) {
  const promptText = JSON.stringify(body.messages ?? '');
  if (wantsTool(body)) {
    const call = toolCallFor(body);
    return {
      id: rid('chatcmpl'),
      object: 'chat.completion',
      created: nowSec(),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [call], refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: usageFor(promptText, call.function.arguments),
      service_tier: 'default',
      system_fingerprint: 'fp_e2e_fake',
    };
  }
  const content = fakeAnswer(body.messages);
  const n = Number.isInteger(body.n) && body.n > 0 ? body.n : 1;
  return {
    id: rid('chatcmpl'),
    object: 'chat.completion',
    created: nowSec(),
    model: body.model,
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      message: { role: 'assistant', content, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    })),
    usage: usageFor(promptText, content.repeat(n)),
    service_tier: 'default',
    system_fingerprint: 'fp_e2e_fake',
  };
}

async function streamChat(req, res, body, record, { chunkDelayMs = 2, chunkCount } = {}) {
  const id = rid('chatcmpl');
  const created = nowSec();
  const includeUsage = body.stream_options?.include_usage === true;
  const promptText = JSON.stringify(body.messages ?? '');
  let closed = false;
  res.on('close', () => {
    if (!res.writableFinished) {
      closed = true;
      record.aborted = true;
    }
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': rid('req'),
  });
  const chunk = (delta, finish_reason = null) => {
    const c = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: body.model,
      service_tier: 'default',
      system_fingerprint: 'fp_e2e_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason }],
    };
    if (includeUsage) c.usage = null;
    return c;
  };
  const send = (obj) => {
    if (closed) return false;
    res.write(`data: ${JSON.stringify(obj)}\n\n`);
    return true;
  };

  let completionText;
  let finish;
  if (wantsTool(body)) {
    const call = toolCallFor(body);
    completionText = call.function.arguments;
    finish = 'tool_calls';
    send(
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        refusal: null,
      }),
    );
    const args = call.function.arguments;
    for (let i = 0; i < args.length; i += 7) {
      await sleep(chunkDelayMs);
      if (!send(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 7) } }] }))) return;
    }
  } else {
    let pieces;
    if (chunkCount) {
      pieces = Array.from({ length: chunkCount }, (_, i) => `part${i} `);
    } else {
      pieces = wordChunks(fakeAnswer(body.messages));
    }
    completionText = pieces.join('');
    finish = 'stop';
    send(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const p of pieces) {
      await sleep(chunkDelayMs);
      if (!send(chunk({ content: p }))) return;
    }
  }
  await sleep(chunkDelayMs);
  if (!send(chunk({}, finish))) return;
  if (includeUsage) {
    send({
      id,
      object: 'chat.completion.chunk',
      created,
      model: body.model,
      service_tier: 'default',
      system_fingerprint: 'fp_e2e_fake',
      choices: [],
      usage: usageFor(promptText, completionText),
    });
  }
  if (closed) return;
  res.end('data: [DONE]\n\n');
}

function textCompletion(body) {
  const prompt = Array.isArray(body.prompt) ? body.prompt.join('\n') : String(body.prompt ?? '');
  const text = ` fake completion of: ${prompt}`;
  return {
    id: rid('cmpl'),
    object: 'text_completion',
    created: nowSec(),
    model: body.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: estTokens(prompt), completion_tokens: estTokens(text), total_tokens: estTokens(prompt) + estTokens(text) },
    system_fingerprint: 'fp_e2e_fake',
  };
}

/** The text of the last user message among Responses API input items (or the input string). */
export function lastUserInputText(input) {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const it = input[i];
    if (!it || it.role !== 'user' || (it.type !== undefined && it.type !== 'message')) continue;
    if (typeof it.content === 'string') return it.content;
    if (Array.isArray(it.content)) {
      return it.content.filter((p) => p && p.type === 'input_text').map((p) => p.text).join(' ');
    }
  }
  return '';
}

function responsesWantsTool(body) {
  const last = Array.isArray(body.input) ? body.input[body.input.length - 1] : null;
  return (
    Array.isArray(body.tools) &&
    body.tools.some((t) => t && t.type === 'function') &&
    body.tool_choice !== 'none' &&
    last?.type !== 'function_call_output'
  );
}

/** The Responses API answer to body: { response (completed), item }. */
function responsesAnswer(body) {
  const hex = (n) => randomBytes(n).toString('hex');
  const promptText = JSON.stringify([body.instructions ?? '', body.input ?? '']);
  let item;
  let outText;
  if (responsesWantsTool(body)) {
    const tool = body.tools.find((t) => t && t.type === 'function');
    outText = JSON.stringify({ location: 'Paris', unit: 'celsius' });
    item = { id: `fc_${hex(24)}`, type: 'function_call', status: 'completed', arguments: outText, call_id: 'call_e2e_0001', name: tool.name };
  } else {
    outText = `Fake answer to: ${lastUserInputText(body.input)}`;
    item = {
      id: `msg_${hex(24)}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: outText, annotations: [], logprobs: [] }],
    };
  }
  const input_tokens = estTokens(promptText);
  const output_tokens = estTokens(outText);
  const response = {
    id: `resp_${hex(24)}`,
    object: 'response',
    created_at: nowSec(),
    status: 'completed',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: [item],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: {
      input_tokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input_tokens + output_tokens,
    },
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
  return { response, item };
}

async function streamResponses(res, body, record, chunkDelayMs = 2) {
  const { response, item } = responsesAnswer(body);
  let closed = false;
  res.on('close', () => {
    if (!res.writableFinished) {
      closed = true;
      record.aborted = true;
    }
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': rid('req'),
  });
  let seq = 0;
  const send = (obj) => {
    if (closed) return false;
    const ev = { type: obj.type, sequence_number: seq++, ...obj };
    res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`);
    return true;
  };
  const shell = { ...response, status: 'in_progress', output: [], usage: null };
  send({ type: 'response.created', response: shell });
  send({ type: 'response.in_progress', response: shell });
  const base = { item_id: item.id, output_index: 0 };
  if (item.type === 'function_call') {
    send({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } });
    for (let i = 0; i < item.arguments.length; i += 7) {
      await sleep(chunkDelayMs);
      if (!send({ type: 'response.function_call_arguments.delta', ...base, delta: item.arguments.slice(i, i + 7) })) return;
    }
    send({ type: 'response.function_call_arguments.done', ...base, arguments: item.arguments });
  } else {
    const text = item.content[0].text;
    send({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
    send({ type: 'response.content_part.added', ...base, content_index: 0, part });
    for (const piece of wordChunks(text)) {
      await sleep(chunkDelayMs);
      if (!send({ type: 'response.output_text.delta', ...base, content_index: 0, delta: piece, logprobs: [] })) return;
    }
    send({ type: 'response.output_text.done', ...base, content_index: 0, text, logprobs: [] });
    send({ type: 'response.content_part.done', ...base, content_index: 0, part: { ...part, text } });
  }
  send({ type: 'response.output_item.done', output_index: 0, item });
  send({ type: 'response.completed', response });
  if (!closed) res.end();
}

/** Deterministic vector for a string: components derived from char codes, normalised. */
export function fakeVector(text, dim) {
  const v = new Array(dim).fill(0);
  const s = String(text);
  for (let i = 0; i < dim; i++) v[i] = ((s.charCodeAt(i % Math.max(1, s.length)) || 1) * (i + 1)) % 17 + 1;
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => Math.fround(x / norm));
}

function embeddings(body) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const dim = Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : 8;
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((inp, index) => {
    const text = Array.isArray(inp) ? inp.join(' ') : String(inp);
    tokens += estTokens(text);
    const vec = fakeVector(text, dim);
    const embedding = base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
    return { object: 'embedding', index, embedding };
  });
  return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** Waits ms, or less when the response closes first; resolves to true when it closed. */
function delayUnlessClosed(res, ms) {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(true);
    const onClose = () => {
      clearTimeout(t);
      resolve(true);
    };
    const t = setTimeout(() => {
      res.off('close', onClose);
      resolve(false);
    }, ms);
    res.once('close', onClose);
  });
}

/**
 * Starts the fake on 127.0.0.1 with a kernel-chosen port.
 * Returns { port, baseURL, requests, reset(), waitFor(pred, ms), close() }.
 */
export async function startFakeOpenAI() {
  const requests = [];
  const hangs = new Set();
  const faults = new Map(); // model -> { status, error, headers, remaining, delayMs, hits }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = undefined;
      }
      const record = {
        method: req.method,
        path: req.url,
        headers: { ...req.headers },
        raw,
        body,
        aborted: false,
        at: Date.now(),
      };
      requests.push(record);
      handle(req, res, record).catch((e) => {
        if (!res.headersSent) sendError(res, 500, `fake crashed: ${e.message}`, 'server_error');
        else res.destroy();
      });
    });
  });

  async function handle(req, res, record) {
    const { body } = record;
    let path = (req.url ?? '').split('?')[0];
    // Azure OpenAI: /openai/deployments/{deployment}/<path>?api-version=..., key in `api-key`.
    const azure = /^\/openai\/deployments\/[^/]+(\/.*)$/.exec(path);
    if (azure) {
      if (!/[?&]api-version=/.test(req.url)) return sendError(res, 404, 'Resource not found', 'invalid_request_error', '404');
      path = `/v1${azure[1]}`;
    }
    if (req.method !== 'POST') return sendError(res, 404, `Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url');
    if (body === undefined || body === null || typeof body !== 'object') {
      return sendError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    }
    if (azure ? !req.headers['api-key'] : !req.headers.authorization?.startsWith('Bearer ')) {
      return sendError(res, 401, 'You didn\'t provide an API key.', 'invalid_request_error', null);
    }
    const model = body.model;
    const fault = faults.get(model);
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      fault.hits++;
      record.fault = true;
      if (fault.delayMs > 0) {
        const gone = await delayUnlessClosed(res, fault.delayMs);
        if (gone) {
          record.aborted = true;
          return;
        }
      }
      if (fault.status) {
        const error = fault.error ?? {
          message: `Injected fault ${fault.status} for ${model}`,
          type: fault.status >= 500 ? 'server_error' : 'invalid_request_error',
          param: null,
          code: null,
        };
        return sendJson(res, fault.status, { error }, fault.headers ?? {});
      }
    }
    switch (model) {
      case 'fake-500-model':
        return sendError(res, 500, 'The server had an error while processing your request. Sorry about that!', 'server_error');
      case 'fake-429-model':
        return sendError(res, 429, 'Rate limit reached for fake-429-model on requests per min (RPM): Limit 1.', 'requests', 'rate_limit_exceeded', null, { 'retry-after': '0' });
      case 'fake-400-model':
        return sendError(
          res,
          400,
          "This model's maximum context length is 8 tokens. However, your messages resulted in 99 tokens.",
          'invalid_request_error',
          'context_length_exceeded',
          'messages',
        );
      case 'fake-hang-model': {
        hangs.add(res);
        res.on('close', () => {
          record.aborted = true;
          hangs.delete(res);
        });
        return; // never answers
      }
      default:
        break;
    }
    if (path === '/v1/chat/completions') {
      if (!Array.isArray(body.messages)) return sendError(res, 400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages');
      if (body.stream === true) {
        if (model === 'fake-slow-model') return streamChat(req, res, body, record, { chunkDelayMs: SLOW_CHUNK_MS, chunkCount: 6 });
        if (model === 'fake-long-model') return streamChat(req, res, body, record, { chunkDelayMs: 100, chunkCount: 40 });
        return streamChat(req, res, body, record);
      }
      return sendJson(res, 200, chatCompletion(body));
    }
    if (path === '/v1/responses') {
      if (body.input === undefined) return sendError(res, 400, "Missing required parameter: 'input'.", 'invalid_request_error', 'missing_required_parameter', 'input');
      if (body.stream === true) return streamResponses(res, body, record);
      return sendJson(res, 200, responsesAnswer(body).response);
    }
    if (path === '/v1/completions') return sendJson(res, 200, textCompletion(body));
    if (path === '/v1/embeddings') {
      if (body.input === undefined) return sendError(res, 400, "Missing required parameter: 'input'.", 'invalid_request_error', 'missing_required_parameter', 'input');
      return sendJson(res, 200, embeddings(body));
    }
    return sendError(res, 404, `Unknown request URL: POST ${path}`, 'invalid_request_error', 'unknown_url');
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;

  return {
    port,
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reset() {
      requests.length = 0;
    },
    /** Programs a fault for requests with body.model === model (see the header comment). */
    setFault(model, { status, error, headers, times = Infinity, delayMs = 0 } = {}) {
      faults.set(model, { status, error, headers, remaining: times, delayMs, hits: 0 });
    },
    clearFaults() {
      faults.clear();
    },
    /** How many requests the fault for `model` was applied to. */
    faultHits(model) {
      return faults.get(model)?.hits ?? 0;
    },
    /** Requests whose body.model equals `model`. */
    byModel(model) {
      return requests.filter((r) => r.body && r.body.model === model);
    },
    /** Polls until pred() is truthy or ms elapse; returns the last value of pred(). */
    async waitFor(pred, ms = 2000) {
      const end = Date.now() + ms;
      for (;;) {
        const v = pred();
        if (v || Date.now() >= end) return v;
        await sleep(20);
      }
    },
    async close() {
      for (const r of hangs) r.destroy();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(() => r()));
    },
  };
}
