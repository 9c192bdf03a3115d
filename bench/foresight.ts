/**
 * Foresight: decoding cost of a PP.SOM answer over SOAP against the same answer over JSON, and
 * WebSocket frames per second through the BPM monitor against a bare `ws` client on the same socket URL.
 */
import WebSocket from 'ws';
import { BpmMonitor } from '../src/foresight/bpm-monitor';
import { PpsomClient } from '../src/foresight/client';
import { decodeResponse, encodeRequest, type PpsomTransport } from '../src/foresight/codec';
import { ForesightSession } from '../src/foresight/session';
import { monitoringSocketAddress } from '../src/foresight/vendor';
import { HttpTransport, type HttpResponse } from '../src/shared/http';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../src/sim/foresight';
import { pairedMedians, timed, waitUntil, type Row } from './measure';

const DECODES = 3000;
const FRAMES = 3000;
const RUNS = 5;
const OP = 'GetBpmMonitoringWorkspace';

/** The same GetBpmMonitoringWorkspace answer as the simulator sends it over JSON and over SOAP. */
async function answers(sim: ForesightSimulator): Promise<Record<PpsomTransport, HttpResponse>> {
  const client = new PpsomClient({ endpoint: sim.endpoint() });
  const http = new HttpTransport({ baseUrl: sim.endpoint() });
  try {
    const { id } = await client.openMetabase(SEED.repositoryId, { user: SEED.user, password: SEED.password });
    const process = await client.openBpmProcess(id, SEED.processKey);
    const out = {} as Record<PpsomTransport, HttpResponse>;
    for (const transport of ['json', 'soap'] as const) {
      const request = encodeRequest(transport, OP, { tBpmProcess: { id: process }, tArg: { id: SEED.instanceKey } });
      out[transport] = await http.post('', request.body, request.headers);
      decodeResponse(transport, OP, out[transport]); // a fault here means the request shape is wrong
    }
    await client.closeMetabase(id);
    return out;
  } finally {
    await http.close();
    await client.close();
  }
}

async function decodeCost(transport: PpsomTransport, response: HttpResponse): Promise<number> {
  const ms = await timed(async () => {
    for (let i = 0; i < DECODES; i++) decodeResponse(transport, OP, response);
  });
  return (ms * 1000) / DECODES;
}

/** Opens the monitoring socket the way the monitor does, with the client calls, and counts frames. */
async function bareFrames(sim: ForesightSimulator): Promise<number> {
  const client = new PpsomClient({ endpoint: sim.endpoint() });
  const { id } = await client.openMetabase(SEED.repositoryId, { user: SEED.user, password: SEED.password });
  const process = await client.openBpmProcess(id, SEED.processKey);
  const workspace = await client.getBpmMonitoringWorkspace(process, SEED.instanceKey);
  const url = await client.openMonitoringWS(process, SEED.instanceKey, workspace.instId);
  const socket = new WebSocket(monitoringSocketAddress(sim.endpoint(), '/FPBI_App_v10.x', url));
  let frames = 0;
  socket.on('message', (data, isBinary) => {
    if (!isBinary) JSON.parse(data.toString());
    frames++;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return await timed(async () => {
      for (let i = 0; i < FRAMES; i++) sim.advance(SEED.instanceKey);
      await waitUntil(() => frames >= FRAMES, `${FRAMES} frames on a bare socket`);
    });
  } finally {
    socket.terminate();
    await client.closeMetabase(id).catch(() => undefined);
    await client.close();
  }
}

async function monitorFrames(sim: ForesightSimulator): Promise<number> {
  const client = new PpsomClient({ endpoint: sim.endpoint() });
  const session = new ForesightSession({ client, repositoryId: SEED.repositoryId, user: SEED.user, password: SEED.password });
  const monitor = new BpmMonitor({ client, session, processKey: SEED.processKey, instanceKey: SEED.instanceKey, wsPathPrefix: '/FPBI_App_v10.x' });
  let frames = 0;
  let connected = false;
  monitor.on('frame', () => frames++);
  monitor.on('state', (s) => (connected = s.state === 'connected'));
  try {
    monitor.start();
    await waitUntil(() => connected, 'the monitor to connect');
    frames = 0;
    return await timed(async () => {
      for (let i = 0; i < FRAMES; i++) sim.advance(SEED.instanceKey);
      await waitUntil(() => frames >= FRAMES, `${FRAMES} frames through the monitor`);
    });
  } finally {
    await monitor.stop();
    await session.close();
    await client.close();
  }
}

export async function benchForesight(): Promise<Row[]> {
  const sim = await startForesightSimulator({ stepMs: 0 });
  try {
    const responses = await answers(sim);
    await decodeCost('json', responses.json);
    await decodeCost('soap', responses.soap);
    const [soapUs, jsonUs] = await pairedMedians(RUNS, () => decodeCost('soap', responses.soap), () => decodeCost('json', responses.json));

    await bareFrames(sim);
    await monitorFrames(sim);
    const [monitorMs, bareMs] = await pairedMedians(RUNS, () => monitorFrames(sim), () => bareFrames(sim));
    return [
      {
        area: 'Foresight',
        what: `decode one ${OP} answer, SOAP`,
        value: soapUs,
        baseline: jsonUs,
        unit: 'µs',
        baselineLabel: 'same answer over JSON',
        better: 'lower',
      },
      {
        area: 'Foresight',
        what: `frames/s, ${FRAMES} frames via BpmMonitor`,
        value: (FRAMES / monitorMs) * 1000,
        baseline: (FRAMES / bareMs) * 1000,
        unit: 'fr/s',
        baselineLabel: 'bare ws client + JSON.parse',
        better: 'higher',
      },
    ];
  } finally {
    await sim.close();
  }
}
