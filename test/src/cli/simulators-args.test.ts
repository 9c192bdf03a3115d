import assert from 'node:assert/strict';
import { parseSimulatorArgs, UsageError } from '../../../src/cli/simulators';

describe('bpm-scada-sim options', function () {
  it('should start both simulators on their default ports when given no options', function () {
    assert.deepEqual(parseSimulatorArgs([]), {});
  });

  it('should read --only, --host, ports, --alarm-rate, --seed and --step-interval', function () {
    assert.deepEqual(
      parseSimulatorArgs(['--only', 'masterscada', '--host', '0.0.0.0', '--masterscada-port', '0', '--foresight-port', '9000', '--alarm-rate', '2.5', '--seed', '7', '--step-interval', '1000']),
      { only: 'masterscada', host: '0.0.0.0', masterscadaPort: 0, foresightPort: 9000, alarmRate: 2.5, seed: 7, stepMs: 1000 },
    );
  });

  it('should answer --help and -h', function () {
    assert.equal(parseSimulatorArgs(['--help']), 'help');
    assert.equal(parseSimulatorArgs(['-h']), 'help');
  });

  it('should reject unknown options and bad values with a usage error', function () {
    for (const args of [['--bogus'], ['--only', 'opcua'], ['--masterscada-port', '70000'], ['--foresight-port', 'x'], ['--alarm-rate', '-1'], ['--step-interval', '0']]) {
      assert.throws(() => parseSimulatorArgs(args), UsageError, args.join(' '));
    }
  });
});
