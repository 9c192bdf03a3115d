/**
 * What the notification examples talk to, on 127.0.0.1 with ephemeral ports: a real SMTP server
 * (the `smtp-server` package, the one node-red-node-email itself depends on) that parses every mail,
 * a stand-in of the Telegram Bot API (the bot node's "Server URL" points at it), and a listener on
 * Node-RED's editor socket that collects what the Debug sidebar would show.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import WebSocket from 'ws';

export interface Mail {
  subject: string;
  text: string;
  to: string;
}

export interface SmtpSink {
  port: number;
  readonly mails: Mail[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? '');
          mails.push({ subject: parsed.subject ?? '', text: parsed.text ?? '', to });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface BotCall {
  method: string;
  token: string;
  params: Record<string, string>;
}

export interface BotApiStandIn {
  url: string;
  readonly calls: BotCall[];
  sent(): BotCall[];
  /** Queue a user's message; the next getUpdates delivers it. */
  userSays(text: string, chatId: number): void;
  close(): Promise<void>;
}

/** Answers the Bot API methods the telegrambot nodes call; getUpdates waits a little when nothing is queued. */
export async function startBotApi(): Promise<BotApiStandIn> {
  const calls: BotCall[] = [];
  const queued: unknown[] = [];
  let updateId = 1000;
  let messageId = 1;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const m = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      const params = parseBody(body, String(req.headers['content-type'] ?? ''));
      const call = { token: m[1]!, method: m[2]!, params };
      calls.push(call);
      const reply = (result: unknown): void => {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      };
      switch (call.method) {
        case 'getMe':
          return reply({ id: 4242, is_bot: true, first_name: 'alarm bot', username: 'alarm_bot' });
        case 'getUpdates': {
          const offset = Number(params.offset ?? 0);
          while (queued.length > 0 && (queued[0] as { update_id: number }).update_id < offset) queued.shift();
          if (queued.length > 0) return reply(queued.splice(0));
          // A short wait instead of Telegram's long poll keeps the loop bounded and quiet.
          setTimeout(() => reply([]), 200).unref();
          return;
        }
        case 'sendMessage':
          return reply({ message_id: messageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(params.chat_id), type: 'private' }, text: params.text });
        default:
          return reply(true);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    sent: () => calls.filter((c) => c.method === 'sendMessage'),
    userSays(text, chatId) {
      queued.push({
        update_id: ++updateId,
        message: { message_id: messageId++, date: Math.floor(Date.now() / 1000), text, chat: { id: chatId, type: 'private' }, from: { id: chatId, is_bot: false, first_name: 'Operator', username: 'operator' }, entities: text.startsWith('/') ? [{ offset: 0, length: text.split(' ')[0]!.length, type: 'bot_command' }] : undefined },
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseBody(body: string, type: string): Record<string, string> {
  if (!body) return {};
  if (type.includes('json')) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  return Object.fromEntries(new URLSearchParams(body));
}

export interface DebugMessage {
  /** The Debug node's name. */
  name: string;
  /** What the sidebar shows: a string payload as is, anything else as its JSON text. */
  msg: string;
}

export interface DebugListener {
  readonly messages: DebugMessage[];
  from(name: string): string[];
  close(): void;
}

/** Subscribes to the editor's `debug` topic, as the Debug sidebar does. */
export async function listenToDebug(nodeRedUrl: string): Promise<DebugListener> {
  const messages: DebugMessage[] = [];
  const ws = new WebSocket(new URL('comms', nodeRedUrl.replace(/^http/, 'ws')).toString());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ subscribe: 'debug' }));
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data)) as unknown;
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
      const { topic, data: d } = item as { topic?: string; data?: { name?: string; msg?: unknown } };
      if (topic === 'debug' && d) messages.push({ name: d.name ?? '', msg: typeof d.msg === 'string' ? d.msg : JSON.stringify(d.msg) });
    }
  });
  return {
    messages,
    from: (name) => messages.filter((m) => m.name === name).map((m) => m.msg),
    close: () => ws.close(),
  };
}
