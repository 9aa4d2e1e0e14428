import type { RespondArguments } from '@slack/bolt';
import { KeptAliveHttp } from './kept-alive.js';

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
 * keep-alive connections (kept-alive.ts, at most MAX_SOCKETS per host).
 * Bolt's respond() goes through the global fetch and never reads the answer's
 * body: a burst of 200 answers opened ~200 connections (each a TLS handshake
 * against Slack) and spent more CPU in fetch's streams than Tandem spent on
 * the commands themselves.
 */
export class ResponseUrlPoster {
  private readonly http = new KeptAliveHttp(MAX_SOCKETS, TIMEOUT_MS);

  /**
   * The respond() of one interaction: POSTs each message to its response_url. None when the payload carries no
   * http(s) response_url (Slack always sends one; a forged or truncated payload may not): the answer then goes
   * out through the Web API instead.
   */
  to(responseUrl: string | undefined): Respond | undefined {
    const url = URL.canParse(responseUrl ?? '') ? new URL(responseUrl ?? '') : undefined;
    if (url?.protocol !== 'https:' && url?.protocol !== 'http:') return undefined;
    return (message: string | RespondArguments) => this.post(url, JSON.stringify(typeof message === 'string' ? { text: message } : message));
  }

  private async post(url: URL, body: string): Promise<void> {
    const answer = await this.http.post(url, body, { 'content-type': 'application/json' });
    if (answer.status < 200 || answer.status >= 300) throw new ResponseUrlError(answer.status, answer.body);
  }

  /**
   * Closes the idle kept-alive sockets (at shutdown). An answer still being sent (Socket Mode stops without waiting
   * for its listeners) finishes; its socket is then idle, and an idle socket does not keep the process alive.
   */
  close(): void {
    this.http.close();
  }
}
