import http from 'node:http';
import https from 'node:https';
import type { RespondArguments } from '@slack/bolt';

/** Sockets kept per response_url host: a burst's answers share them instead of opening one connection each. */
const MAX_SOCKETS = 32;
/** How long one POST to a response_url may take before it counts as failed. */
const TIMEOUT_MS = 30_000;

/** Bolt's respond(), minus the fetch Response it resolves with (nothing in Tandem reads it). */
export type Respond = (message: string | RespondArguments) => Promise<void>;

/** A response_url answered with something other than 2xx (expired, rate limited, invalid blocks). */
export class ResponseUrlError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`Failed to respond to the response_url: ${status} ${body.slice(0, 200)}`);
    this.name = 'ResponseUrlError';
  }
}

/**
 * Posts answers to Slack's response_url, as Bolt's respond() does, over
 * keep-alive connections (node:http's agent, at most MAX_SOCKETS per host).
 * Bolt's respond() goes through the global fetch and never reads the answer's
 * body: a burst of 200 answers opened ~200 connections (each a TLS handshake
 * against Slack) and spent more CPU in fetch's streams than Tandem spent on
 * the commands themselves.
 */
export class ResponseUrlPoster {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' }),
  };

  /** The respond() of one interaction: POSTs each message to its response_url. */
  to(responseUrl: string): Respond {
    return (message: string | RespondArguments) => this.post(responseUrl, JSON.stringify(typeof message === 'string' ? { text: message } : message));
  }

  private async post(responseUrl: string, body: string): Promise<void> {
    try {
      await this.send(responseUrl, body, true);
    } catch (err) {
      // A kept-alive socket the server closed just as it was reused, before any answer: send once more.
      if (!(err instanceof StaleSocketError)) throw err;
      await this.send(responseUrl, body, false);
    }
  }

  private send(responseUrl: string, body: string, retryStale: boolean): Promise<void> {
    const url = new URL(responseUrl);
    const agent = url.protocol === 'https:' ? this.agents['https:'] : url.protocol === 'http:' ? this.agents['http:'] : undefined;
    if (!agent) return Promise.reject(new Error(`response_url is not http(s): ${url.protocol}`));
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: TIMEOUT_MS,
      });
      req.on('timeout', () => req.destroy(new Error(`response_url did not answer within ${TIMEOUT_MS} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(retryStale && req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError() : err));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new ResponseUrlError(status, Buffer.concat(chunks).toString('utf8')));
        });
      });
      req.end(body);
    });
  }

  /**
   * Closes the idle kept-alive sockets (at shutdown). An answer still being sent (Socket Mode stops without waiting
   * for its listeners) finishes; its socket is then idle, and an idle socket does not keep the process alive.
   */
  close(): void {
    for (const agent of Object.values(this.agents)) {
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
  }
}

class StaleSocketError extends Error {}
