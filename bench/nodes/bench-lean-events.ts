/**
 * `bench-lean-events`: the leanest MasterSCADA node anyone could write, as the baseline for
 * `scada-events`. A keep-alive `node:http` PublishEvents loop on a session and subscription made
 * beforehand, `JSON.parse`, one `send` per record with the record as `msg.payload`, the ack sent
 * with the next request. No checks, no shaping, no status, no cursor. Shipped only with the benchmarks.
 */
import http from 'node:http';
import type { Node, NodeAPI, NodeDef } from 'node-red';

interface LeanDef extends NodeDef {
  url: string;
  sessionId: string;
  subscriptionId: number;
  pollMs: number;
}

interface Answer {
  sequenceNumber?: number;
  hasMore?: boolean;
  recs?: unknown[];
}

export = function (RED: NodeAPI): void {
  function BenchLeanEvents(this: Node, config: LeanDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const target = new URL('/Methods/PublishEvents', config.url);
    let ack: number | undefined;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;

    const poll = (): void => {
      const body = JSON.stringify({ sessionId: config.sessionId, subscriptionId: config.subscriptionId, ...(ack === undefined ? {} : { ackSequenceNumber: ack }) });
      const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (closed) return;
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer;
          for (const rec of answer.recs ?? []) node.send({ payload: rec });
          if (answer.sequenceNumber !== undefined) ack = answer.sequenceNumber;
          if (answer.hasMore) setImmediate(poll);
          else timer = setTimeout(poll, config.pollMs);
        });
      });
      req.on('error', (err) => {
        if (closed) return;
        node.error(err);
        timer = setTimeout(poll, 1000);
      });
      req.end(body);
    };
    poll();

    node.on('close', (done: () => void) => {
      closed = true;
      clearTimeout(timer);
      agent.destroy();
      done();
    });
  }
  RED.nodes.registerType('bench-lean-events', BenchLeanEvents);
};
