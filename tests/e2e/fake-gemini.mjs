// A fake Gemini (Google AI Studio, v1beta) upstream for the end-to-end tests, speaking the wire
// format of the Gemini API reference:
//   POST /v1beta/models/{model}:generateContent              GenerateContentResponse
//   POST /v1beta/models/{model}:streamGenerateContent?alt=sse `data: {...}\r\n\r\n` events, the
//        last with finishReason and usageMetadata; the body ends after it (no [DONE])
//   POST /v1beta/models/{model}:embedContent                 {"embedding":{"values":[...]}}
//   POST /v1beta/models/{model}:batchEmbedContents           {"embeddings":[{"values":[...]}]}
// The key must be GEMINI_KEY in `x-goog-api-key` (else 400 INVALID_ARGUMENT / API_KEY_INVALID).
// Answers "Fake answer to: <last user text>", streamed word by word. A request with
// functionDeclarations whose last turn is not a functionResponse gets a functionCall of the first
// function with args {"location":"Paris"}. Models "blocked-*" answer promptFeedback.blockReason
// SAFETY; "overloaded-*" answer 503 UNAVAILABLE.

import http from 'node:http';

export const GEMINI_KEY = 'AIza-e2e-gemini-key';

const CANONICAL = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res, status, message, details) {
  const error = { code: status, message, status: CANONICAL[status] ?? 'INTERNAL' };
  if (details) error.details = details;
  send(res, status, { error });
}

function lastUserText(contents) {
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (c.role !== 'user') continue;
    const text = (c.parts ?? []).filter((p) => typeof p.text === 'string').map((p) => p.text).join(' ');
    if (text) return text;
  }
  return '';
}

export function fakeGeminiAnswer(text) {
  return `Fake answer to: ${text}`;
}

function usage(raw, completion) {
  const prompt = Math.max(1, Math.ceil(raw.length / 4));
  return { promptTokenCount: prompt, candidatesTokenCount: completion, totalTokenCount: prompt + completion };
}

export async function startFakeGemini() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const record = { method: req.method, path: req.url, headers: { ...req.headers }, body };
      requests.push(record);
      handle(req, res, record, raw);
    });
  });

  function handle(req, res, { body }, raw) {
    const url = req.url ?? '';
    const m = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)(\?.*)?$/.exec(url);
    if (req.method !== 'POST' || !m) return sendError(res, 404, 'The requested URL was not found on this server.');
    const [, model, method, query = ''] = m;
    if (req.headers['x-goog-api-key'] !== GEMINI_KEY) {
      return sendError(res, 400, 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      ]);
    }
    if (!body || typeof body !== 'object') return sendError(res, 400, 'Invalid JSON payload received.');
    if (model.startsWith('overloaded-')) return sendError(res, 503, 'The model is overloaded. Please try again later.');
    if (method === 'embedContent' || method === 'batchEmbedContents') {
      const vec = (r, i) => ({ values: Array.from({ length: r.outputDimensionality ?? 8 }, (_, k) => 0.125 * ((k + i) % 5) - 0.25) });
      if (method === 'embedContent') return send(res, 200, { embedding: vec(body, 0) });
      return send(res, 200, { embeddings: (body.requests ?? []).map(vec) });
    }
    const stream = method === 'streamGenerateContent';
    if (method !== 'generateContent' && !stream) return sendError(res, 404, `Method ${method} not found.`);
    if (stream && !/[?&]alt=sse/.test(query)) return sendError(res, 400, 'this fake streams with alt=sse only');
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      return sendError(res, 400, '* GenerateContentRequest.contents: contents is not specified');
    }
    let events;
    if (model.startsWith('blocked-')) {
      events = [{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: usage(raw, 0) }];
    } else {
      const last = body.contents[body.contents.length - 1];
      const answeredTool = (last.parts ?? []).some((p) => p.functionResponse);
      const fn = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? [])[0];
      if (fn && !answeredTool && body.toolConfig?.functionCallingConfig?.mode !== 'NONE') {
        const part = { functionCall: { name: fn.name, args: { location: 'Paris' } } };
        events = [{ candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage(raw, 5) }];
      } else {
        const text = fakeGeminiAnswer(lastUserText(body.contents));
        const words = text.match(/\S+\s*|\s+/g) ?? [text];
        if (!stream) {
          events = [{ candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage(raw, words.length) }];
        } else {
          events = words.map((w, i) => {
            const last = i === words.length - 1;
            const ev = { candidates: [{ content: { role: 'model', parts: [{ text: w }] }, index: 0 }], modelVersion: model };
            if (last) ev.candidates[0].finishReason = 'STOP';
            ev.usageMetadata = last ? usage(raw, words.length) : { promptTokenCount: usage(raw, 0).promptTokenCount };
            return ev;
          });
        }
      }
    }
    if (!stream) return send(res, 200, events[0]);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const ev of events) res.write(`data: ${JSON.stringify(ev)}\r\n\r\n`);
    res.end();
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    reset() {
      requests.length = 0;
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
