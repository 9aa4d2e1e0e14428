import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** express.json's default limit, '1mb'. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/** A body that cannot be read, with the `status` and `type` body-parser gives it (errors.ts maps them to answers). */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The request's JSON body, read as `express.json({ limit })` reads it, for the
 * routes served straight from node:http (server.ts `routes`): undefined when
 * there is no body or it is not `application/json`; `{}` for an empty one;
 * gzip, deflate and br bodies decoded; only objects and arrays (strict). Past
 * `limit` (decoded bytes), with another charset than UTF-8, an unknown
 * encoding or JSON that does not parse, a BodyError once the request has been
 * read off, so that the answer does not break a keep-alive connection.
 */
export function readJsonBody(req: IncomingMessage, limit = JSON_BODY_LIMIT): Promise<unknown> {
  const { 'content-type': type, 'content-length': length, 'transfer-encoding': chunked } = req.headers;
  if (length === undefined && chunked === undefined) return Promise.resolve(undefined);
  const [media = '', ...params] = (type ?? '').split(';');
  if (media.trim().toLowerCase() !== 'application/json') {
    req.resume();
    return Promise.resolve(undefined);
  }
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^"\s]*)"?\s*$/i.exec(p)?.[1]).find(Boolean)?.toLowerCase() ?? 'utf-8';
  if (charset !== 'utf-8') return readOff(req, new BodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`));
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoder = encoding === 'identity' ? undefined : DECODERS[encoding];
  if (encoding !== 'identity' && !decoder) return readOff(req, new BodyError(415, 'encoding.unsupported', `unsupported content encoding "${encoding}"`));
  if (!decoder && Number(length) > limit) return readOff(req, tooLarge());

  return new Promise((resolve, reject) => {
    const decoding = decoder ? req.pipe(decoder()) : undefined;
    const stream: Readable = decoding ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        resolve(parseStrict((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString('utf8')));
      } catch (err) {
        reject(err as Error);
      }
    };
    const fail = (err: BodyError) => {
      stream.off('data', onData).off('end', onEnd);
      if (decoding) {
        req.unpipe(decoding);
        decoding.destroy();
      }
      readOff(req, err).catch(reject);
    };
    stream.on('data', onData).on('end', onEnd);
    req.once('error', (err) => reject(new BodyError(400, 'request.aborted', err.message)));
    decoding?.on('error', (err) => fail(new BodyError(400, 'encoding.failed', err.message)));
  });
}

const tooLarge = () => new BodyError(413, 'entity.too.large', 'request entity too large');

/** Rejects with `err` once the rest of the request has been read (and dropped). */
function readOff(req: IncomingMessage, err: BodyError): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (req.readableEnded) return reject(err);
    req.once('end', () => reject(err)).once('error', () => reject(err));
    req.resume();
  });
}

const JSON_SPACE = ' \t\n\r';

/** body-parser's JSON in strict mode: an empty body is `{}`; anything but an object or array is malformed. */
function parseStrict(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.length === 0) return {};
  let i = 0;
  while (i < json.length && JSON_SPACE.includes(json[i] as string)) i += 1;
  if (json[i] !== '{' && json[i] !== '[') throw new BodyError(400, 'entity.parse.failed', 'not a JSON object or array');
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw new BodyError(400, 'entity.parse.failed', (err as Error).message);
  }
}

/** Writes `body` as JSON, as express's res.json does (without an ETag: these are answers to POSTs). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
