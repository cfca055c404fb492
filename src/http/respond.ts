import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessOutcome } from './access/endpoint-access.js';

/** Sends `body` as JSON with `status`; a HEAD request gets the headers only. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Sends `text` with `contentType`; a HEAD request gets the headers only. */
export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  text: string | Buffer,
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** 401 (with the schemes to use) or 403 for a refused {@link AccessOutcome}, naming the permission. */
export function sendRefused(
  req: IncomingMessage,
  res: ServerResponse,
  outcome: Exclude<AccessOutcome, 'allowed'>,
  permission: string,
): void {
  if (outcome === 'unauthenticated') {
    res.setHeader('www-authenticate', 'Bearer realm="stator", ApiKey realm="stator"');
    sendJson(req, res, 401, {
      error: `send a token (Authorization: Bearer ...) or an API key (Authorization: ApiKey ...) whose principal holds ${permission}`,
    });
  } else {
    sendJson(req, res, 403, { error: `this needs ${permission}` });
  }
}

/** 503 for an event stream over `http.max_streams`. */
export function sendTooManyStreams(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('retry-after', '5');
  sendJson(req, res, 503, { error: 'too many open event streams (http.max_streams); try again later' });
}
