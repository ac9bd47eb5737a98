// A fake Anthropic Messages upstream for the end-to-end tests.
//
// POST /v1/messages in Anthropic's wire format: requires x-api-key (== UPSTREAM key given to
// startFakeAnthropic) and anthropic-version, and `model`, `max_tokens`, `messages` in the body;
// answers a `message` object, or with "stream": true the documented SSE sequence with `event:`
// lines (message_start, content_block_start, ping, content_block_delta..., content_block_stop,
// message_delta, message_stop). Errors are {"type":"error","error":{"type","message"}}.
//
// Behaviour is chosen by the `model` in the request body:
//   claude-ok            "Claude says: <last user text>"; with `tools` (and no tool_result in
//                        the last user turn) a tool_use of the first tool with {"location":"Paris"};
//                        after a tool_result, "Tool said: <result text>"
//   claude-429           429 rate_limit_error, retry-after: 7
//   claude-529           529 overloaded_error
//   claude-long-prompt   400 invalid_request_error "prompt is too long: ..."
//   claude-bad-key       401 authentication_error
//   claude-bad-key-echo  401 authentication_error whose message quotes the x-api-key it received
//                        (tests that a gateway does not relay an upstream 401 to its client)
//   claude-stream-error  200 stream with an `error` event (overloaded_error) before any content
// Every request is recorded ({ method, path, headers, body, raw }).

import http from 'node:http';
import { randomBytes } from 'node:crypto';

const rid = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;

function errorBody(type, message) {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: rid('req') });
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => (b?.type === 'text' ? b.text : b?.type === 'tool_result' ? textOf(b.content) : ''))
    .join('');
}

function answerFor(body) {
  const msgs = body.messages;
  const last = msgs[msgs.length - 1];
  const blocks = Array.isArray(last?.content) ? last.content : [];
  const result = blocks.find((b) => b?.type === 'tool_result');
  if (result) return { text: `Tool said: ${textOf(result.content)}` };
  if (Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice?.type !== 'none') {
    return { tool: { id: rid('toolu'), name: body.tools[0].name, input: { location: 'Paris' } } };
  }
  return { text: `Claude says: ${textOf(last?.content)}` };
}

export async function startFakeAnthropic(apiKey) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {}
      requests.push({ method: req.method, path: req.url, headers: req.headers, body, raw });
      const json = (status, text, extra = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': rid('req'), ...extra });
        res.end(text);
      };
      if (req.method !== 'POST' || req.url !== '/v1/messages') return json(404, errorBody('not_found_error', 'Not Found'));
      if (req.headers['x-api-key'] !== apiKey) return json(401, errorBody('authentication_error', 'invalid x-api-key'));
      if (!req.headers['anthropic-version'])
        return json(400, errorBody('invalid_request_error', 'anthropic-version: header is required'));
      if (!body || typeof body !== 'object') return json(400, errorBody('invalid_request_error', 'invalid JSON'));
      for (const f of ['model', 'max_tokens', 'messages']) {
        if (!(f in body)) return json(400, errorBody('invalid_request_error', `${f}: Field required`));
      }
      switch (body.model) {
        case 'claude-429':
          return json(429, errorBody('rate_limit_error', 'Number of request tokens has exceeded your rate limit'), {
            'retry-after': '7',
          });
        case 'claude-529':
          return json(529, errorBody('overloaded_error', 'Overloaded'));
        case 'claude-long-prompt':
          return json(400, errorBody('invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'));
        case 'claude-bad-key':
          return json(401, errorBody('authentication_error', 'invalid x-api-key'));
        case 'claude-bad-key-echo':
          return json(401, errorBody('authentication_error', `invalid x-api-key: ${req.headers['x-api-key']}`));
        default:
          break;
      }
      const answer = answerFor(body);
      const id = rid('msg');
      const usage = { input_tokens: 21, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 };
      const content = [];
      if (answer.text) content.push({ type: 'text', text: answer.text });
      if (answer.tool) content.push({ type: 'tool_use', ...answer.tool });
      const stop_reason = answer.tool ? 'tool_use' : 'end_turn';
      if (!body.stream) {
        return json(
          200,
          JSON.stringify({ id, type: 'message', role: 'assistant', model: body.model, content, stop_reason, stop_sequence: null, usage }),
        );
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('message_start', {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      });
      if (body.model === 'claude-stream-error') {
        send('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
        return res.end();
      }
      let index = 0;
      if (answer.text) {
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        send('ping', { type: 'ping' });
        for (const piece of answer.text.match(/\S+\s*|\s+/g) ?? []) {
          send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
        }
        send('content_block_stop', { type: 'content_block_stop', index });
        index++;
      }
      if (answer.tool) {
        const { id: tid, name, input } = answer.tool;
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: tid, name, input: {} } });
        const args = JSON.stringify(input);
        for (const p of ['', args.slice(0, 5), args.slice(5)]) {
          send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } });
        }
        send('content_block_stop', { type: 'content_block_stop', index });
      }
      send('message_delta', { type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
      send('message_stop', { type: 'message_stop' });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    baseURL: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    reset() {
      requests.length = 0;
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
