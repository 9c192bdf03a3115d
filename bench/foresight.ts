/** Foresight simulator set-up shared by rows 4 and 5. */
import { PpsomClient } from '../src/foresight/client';
import { monitoringSocketAddress } from '../src/foresight/vendor';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../src/sim/foresight';
import type { ForesightTarget } from './flows';

export function startForesightSim(): Promise<ForesightSimulator> {
  return startForesightSimulator({ stepMs: 0 });
}

export function target(sim: ForesightSimulator, transport: 'json' | 'soap'): ForesightTarget {
  return { endpoint: sim.endpoint(), transport, repository: SEED.repositoryId, processKey: SEED.processKey, instanceKey: SEED.instanceKey };
}

/**
 * The monitoring socket URL of the seed instance, resolved here with the package's client the way
 * bpm-monitor resolves it, for the core `websocket in` node, which cannot resolve it itself. The
 * session stays open (the socket lives only as long as its session) until `close`.
 */
export async function resolveSocket(sim: ForesightSimulator): Promise<{ url: string; close(): Promise<void> }> {
  const client = new PpsomClient({ endpoint: sim.endpoint() });
  const { id } = await client.openMetabase(SEED.repositoryId, { user: SEED.user, password: SEED.password });
  const process = await client.openBpmProcess(id, SEED.processKey);
  const workspace = await client.getBpmMonitoringWorkspace(process, SEED.instanceKey);
  const token = await client.openMonitoringWS(process, SEED.instanceKey, workspace.instId);
  return {
    url: monitoringSocketAddress(sim.endpoint(), '/FPBI_App_v10.x', token),
    async close() {
      await client.closeMetabase(id).catch(() => undefined);
      await client.close();
    },
  };
}
