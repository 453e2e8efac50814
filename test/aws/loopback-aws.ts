// A loopback stand-in for an AWS endpoint, for tests of what aws-sdk-client-mock cannot show (it replaces
// `send`, so the SDK's retry, signing and serialisation never run): it records each request a real SDK
// client sends and answers with the next scripted reply.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the stand-in received it. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The stand-in: `reply` scripts answers in order; an unscripted request gets a 500. */
export function loopbackAws(contentType: string) {
  const received: Received[] = [];
  const replies: ((res: ServerResponse) => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = replies.shift() ?? ((r: ServerResponse) => r.writeHead(500).end('no reply scripted'));
      reply(res);
    });
  });
  return {
    received,
    server,
    reply(status: number, body: string, headers: Record<string, string> = {}): void {
      replies.push((res) => res.writeHead(status, { 'content-type': contentType, ...headers }).end(body));
    },
    replyWith(reply: (res: ServerResponse) => void): void {
      replies.push(reply);
    },
    endpoint: (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    listen: (): Promise<void> => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    reset(): void {
      received.length = 0;
      replies.length = 0;
    },
  };
}
