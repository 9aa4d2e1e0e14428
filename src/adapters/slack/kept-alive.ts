import http from 'node:http';
import https from 'node:https';

/** What a server answered: its status, headers and the whole body as text. */
export interface HttpAnswer {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs over keep-alive connections (node:http's agents, at most `maxSockets`
 * per host), reading each answer whole. The global fetch (undici, behind Bolt's
 * respond() and the Web API client) costs far more CPU per request in its web
 * streams, and respond() opened a connection per answer.
 */
export class KeptAliveHttp {
  private readonly agents: Record<'http:' | 'https:', http.Agent>;

  constructor(
    maxSockets: number,
    private readonly timeoutMs: number,
  ) {
    this.agents = {
      'http:': new http.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
      'https:': new https.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
    };
  }

  /** Any answer resolves, whatever its status; a request that got no answer rejects. */
  async post(url: URL, body: string, headers: http.OutgoingHttpHeaders): Promise<HttpAnswer> {
    try {
      return await this.send(url, body, headers, true);
    } catch (err) {
      // A kept-alive socket the server closed just as it was reused, before any answer: send once more.
      if (!(err instanceof StaleSocketError)) throw err;
      return this.send(url, body, headers, false);
    }
  }

  private send(url: URL, body: string, headers: http.OutgoingHttpHeaders, retryStale: boolean): Promise<HttpAnswer> {
    const protocol = url.protocol;
    if (protocol !== 'https:' && protocol !== 'http:') return Promise.reject(new Error(`not an http(s) URL: ${protocol}`));
    return new Promise((resolve, reject) => {
      const req = (protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: this.agents[protocol],
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: this.timeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error(`${url.host} did not answer within ${this.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(retryStale && req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError() : err));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: text }));
      });
      req.end(body);
    });
  }

  /**
   * Closes the idle kept-alive sockets (at shutdown). A request still being sent finishes; its socket is then idle,
   * and an idle socket does not keep the process alive.
   */
  close(): void {
    for (const agent of Object.values(this.agents)) {
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
  }
}

class StaleSocketError extends Error {}
