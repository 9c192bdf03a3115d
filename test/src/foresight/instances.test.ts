import assert from 'node:assert/strict';
import { PpsomClient } from '../../../src/foresight/client';
import type { PpsomWireFormat } from '../../../src/foresight/codec';
import { instancePhase } from '../../../src/foresight/vendor';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import { startSim } from '../../helpers/foresight';

const CREDS = { user: 'demo', password: 'demo' };

for (const wireFormat of ['json', 'soap'] as PpsomWireFormat[]) {
  describe(`GetProcessInstances with many instances over ${wireFormat.toUpperCase()}`, () => {
    let sim: ForesightSimulator;
    let client: PpsomClient;
    let proc: string;

    beforeEach(async () => {
      sim = await startSim();
      client = new PpsomClient({ endpoint: sim.endpoint(), wireFormat, timeoutMs: 5000 });
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      proc = await client.openBpmProcess(mb.id, SEED.processKey);
    });
    afterEach(async () => {
      await client.close();
      await sim.close();
    });

    it('should return every one of 60 instances with its key, start date, comment and parameters', async () => {
      const expected: Array<{ key: string; startDate: string; comment: string; prms: string }> = [
        { key: SEED.instanceKey, startDate: SEED.instanceStart, comment: '', prms: SEED.prms },
      ];
      for (let i = 1; i < 60; i++) {
        const seed = { key: String(100000 + i), startDate: `${String((i % 28) + 1).padStart(2, '0')}.07.2024 10:${String(i).padStart(2, '0')}:00`, comment: `c${i}`, prms: `p = ${i}` };
        sim.startInstance(seed);
        expected.push(seed);
      }
      const list = await client.getProcessInstances(proc);
      assert.deepEqual(list, expected);
    });

    it('should return an empty list when the process has no instance', async () => {
      sim.model.instances.clear();
      assert.deepEqual(await client.getProcessInstances(proc), []);
    });

    it("should give each instance's stages' states and what it is doing", async () => {
      sim.startInstance({ key: '98040', startDate: '22.06.2024 09:00:00', position: 5 });
      sim.startInstance({ key: '98041', startDate: '22.06.2024 09:01:00', position: 2 });
      sim.model.stop('98041');
      sim.advance(SEED.instanceKey);
      const list = await client.getProcessInstances(proc);
      const states = await Promise.all(list.map((i) => client.getInstanceState(proc, i)));
      assert.deepEqual(
        states.map((s) => [s.key, s.startDate, s.phase, s.stages.map((st) => st.states), s.stages.map((st) => st.steps.map((x) => x.states[0]))]),
        [
          [SEED.instanceKey, SEED.instanceStart, 'running', [[2], [1]], [[3, 2], [1, 1, 1]]],
          ['98040', '22.06.2024 09:00:00', 'completed', [[3], [3]], [[3, 3], [3, 3, 3]]],
          ['98041', '22.06.2024 09:01:00', 'idle', [[3], [1]], [[3, 3], [1, 1, 1]]],
        ],
      );
      assert.equal(states[0].instId, SEED.instId);
    });
  });
}

describe('instancePhase (inferred meanings of the state codes)', () => {
  it('should tell running, completed, idle and unknown apart, and follow other codes when given', () => {
    assert.equal(instancePhase([[3], [2], [1]]), 'running');
    assert.equal(instancePhase([[3], [3]]), 'completed');
    assert.equal(instancePhase([[3], [1]]), 'idle');
    assert.equal(instancePhase([[1], [1]]), 'idle');
    assert.equal(instancePhase([[], [7]]), 'unknown');
    assert.equal(instancePhase([[3], []]), 'idle', 'a step without a known code is not completed');
    const other = { waiting: [0], running: [5], completed: [9] };
    assert.equal(instancePhase([[9], [5]], other), 'running');
    assert.equal(instancePhase([[9], [9]], other), 'completed');
    assert.equal(instancePhase([[2]], other), 'unknown');
  });
});
