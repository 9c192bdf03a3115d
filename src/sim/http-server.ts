import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';

/** Listen on `host:port` (0 = a free port) and give the base URL, `http(s)://host:port`, with the port bound. */
export async function listenForUrl(server: http.Server | https.Server, port: number, host: string, tls: boolean): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `${tls ? 'https' : 'http'}://${shown}:${address.port}`, port: address.port };
}

/** Answer with a whole body and its length; a response already cut off is left alone. */
export function reply(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answer timers still waiting (delayed answers); all cancelled at close. */
export class PendingTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
