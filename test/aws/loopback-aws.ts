// A loopback stand-in for an AWS endpoint, shared by the tests of eks-dr's own signed clients (EC2 Query,
// EKS DescribeCluster): it records each request and answers with the next scripted reply.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../../src/aws/signed-http.ts';

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

/**
 * The Authorization header a server holding `credentials` computes for `request` from the headers it names
 * as signed: equal to the one received only if the client signed exactly what it sent.
 */
export async function resignedAuthorization(
  request: Received,
  signing: { service: string; region: string; credentials: AwsCredentials },
): Promise<{ authorization: string | undefined; signedHeaders: string[] }> {
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signedHeaders =
    /SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1]?.split(';') ?? [];
  const [path = '', search] = request.url.split('?');
  const query = Object.fromEntries(new URLSearchParams(search ?? ''));
  const resigned = await new SignatureV4({ ...signing, sha256: Sha256 }).sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: decodeURIComponent(path),
      query,
      headers: Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name])])),
      ...(request.body === '' ? {} : { body: request.body }),
    }),
    { signingDate },
  );
  return { authorization: resigned.headers.authorization, signedHeaders };
}
