/**
 * The load generator of bench:slack, run as a process of its own (forked with
 * IPC) so that sending and timing do not share the event loop of the
 * benchmark's fake Slack API, nor Tandem's.
 *
 * For each burst the parent sends the raw HTTP requests (bytes, already
 * signed). The client first opens one keep-alive connection per request and
 * makes one `GET /healthz` on each, so that every connection has been
 * accepted and served by Tandem (as behind a load balancer's connection
 * pool), then tells the parent `connected` and waits for its `go` (the
 * parent reads the server's CPU time in between, so that nothing samples it
 * while the burst runs), then writes all requests at once and times each
 * from its write to the first byte of its response (the status line: Slack's
 * ack). It answers with the latencies in ms, the status codes and when each
 * request was written (epoch ms), from which the parent times the answers.
 */
import net from 'node:net';

export interface BurstRequest {
  port: number;
  requests: string[];
}

/** The client's messages to the parent: `connected` (waiting for `go`), then the result. */
export type BurstMessage = { connected: true } | { result: BurstResult };

export interface BurstResult {
  latencies: number[];
  statuses: number[];
  /** When each request was written, in ms since the epoch (sub-ms precision), to time its answer elsewhere. */
  sentAt: number[];
}

const WARM_UP = 'GET /healthz HTTP/1.1\r\nHost: tandem\r\n\r\n';

/** A connection that has carried one complete request and response (read by its Content-Length). */
const connect = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => socket.write(WARM_UP));
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(received.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });

async function burst({ port, requests }: BurstRequest): Promise<BurstResult> {
  // A connection refused or reset while hundreds are being opened (a loaded machine, a full accept queue) is retried.
  const open = async (): Promise<net.Socket> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connect(port);
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  };
  const sockets = await Promise.all(requests.map(() => open()));
  // Opening hundreds of connections on a loaded machine can outlast the server's keep-alive timeout: replace
  // the connections it has closed meanwhile.
  for (const [i, socket] of sockets.entries()) if (socket.readableEnded || socket.destroyed || !socket.writable) sockets[i] = await open();
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ connected: true } satisfies BurstMessage);
  });
  const latencies: number[] = [];
  const statuses: number[] = [];
  const sentAt: number[] = [];
  await Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<void>((resolve) => {
          let t0 = 0;
          socket.once('data', (chunk: Buffer) => {
            latencies[i] = performance.now() - t0;
            // "HTTP/1.1 200 OK": the status code is at bytes 9–11.
            statuses[i] = Number(chunk.subarray(9, 12).toString('latin1'));
            socket.resume();
          });
          socket.once('close', () => resolve());
          // A connection reset by a server under load counts as a failed request (status 0), not a failed burst.
          socket.once('error', () => {
            statuses[i] ??= 0;
            latencies[i] ??= NaN;
            resolve();
          });
          t0 = performance.now();
          sentAt[i] = performance.timeOrigin + t0;
          socket.write(requests[i] as string);
        }),
    ),
  );
  return { latencies, statuses, sentAt };
}

process.on('message', (message: BurstRequest | 'go') => {
  if (message === 'go') return;
  burst(message).then(
    (result) => process.send?.({ result } satisfies BurstMessage),
    (err: unknown) => {
      process.stderr.write(`burst client: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
});
