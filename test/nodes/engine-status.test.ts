import assert from 'node:assert/strict';
import { ConfigError, HttpStatusError, IntegrationError, TransportError } from '../../src/shared/errors';
import { eventCountStatus, fleetStatus, monitorStatus, pollerFailureStatus, pollerNoticeStatus, pollerStateStatus, pollingStatus } from '../../nodes/lib/engine-status';
import { StatusWords } from '../../nodes/lib/status';
import { translator } from './catalog';

describe('engine state and failure → node status', () => {
  describe('bpm-monitor', () => {
    const words = new StatusWords('bpm-monitor', translator('en-US', 'bpm-monitor'));

    it('should show each monitor state in its colour, as a key the editor translates', () => {
      assert.deepEqual(monitorStatus(words, { state: 'resolving' }), { fill: 'yellow', shape: 'ring', text: 'bpm-monitor.status.resolving' });
      assert.deepEqual(monitorStatus(words, { state: 'connecting' }), { fill: 'yellow', shape: 'ring', text: 'bpm-monitor.status.connecting' });
      assert.deepEqual(monitorStatus(words, { state: 'connected' }), { fill: 'green', shape: 'dot', text: 'bpm-monitor.status.connected' });
      assert.deepEqual(monitorStatus(words, { state: 'stopped' }), { fill: 'grey', shape: 'ring', text: 'bpm-monitor.status.closed' });
      assert.deepEqual(monitorStatus(words, { state: 'idle' }), { fill: 'grey', shape: 'dot', text: '' });
    });

    it('should count down a reconnect and show a failure that will not pass as a red dot', () => {
      assert.deepEqual(monitorStatus(words, { state: 'reconnecting', retryInMs: 2100, error: new TransportError('refused') }), { fill: 'red', shape: 'ring', text: 'no connection, retry in 3 s' });
      assert.equal(monitorStatus(words, { state: 'reconnecting', error: new TransportError('refused') }).text, 'no connection, retry in 0 s', 'no delay given');
      assert.deepEqual(monitorStatus(words, { state: 'failed', error: new ConfigError('no such process') }), { fill: 'red', shape: 'dot', text: 'failed: check the settings' });
    });
  });

  describe('bpm-monitor, all running instances', () => {
    const en = new StatusWords('bpm-monitor', translator('en-US', 'bpm-monitor'));
    const ru = new StatusWords('bpm-monitor', translator('ru', 'bpm-monitor'));
    const watching = (instances: number, connected: number, waiting = 0) => ({ state: 'watching' as const, instances, connected, waiting });

    it('should count the instances and their sockets in words, in en-US and ru', () => {
      assert.deepEqual(fleetStatus(en, watching(12, 12)), { fill: 'green', shape: 'dot', text: '12 instances, 12 connected' });
      assert.deepEqual(fleetStatus(en, watching(12, 9)), { fill: 'yellow', shape: 'ring', text: '12 instances, 9 connected' });
      assert.deepEqual(fleetStatus(en, watching(60, 50, 10)), { fill: 'yellow', shape: 'dot', text: '60 instances, 50 connected, 10 over the limit' });
      assert.deepEqual(fleetStatus(en, watching(0, 0)), { fill: 'green', shape: 'dot', text: 'bpm-monitor.status.noInstances' });
      assert.equal(fleetStatus(en, watching(1, 1)).text, '1 instance, 1 connected');
      assert.equal(fleetStatus(en, watching(1, 0, 1)).text, '1 instance, 0 connected, 1 over the limit');
      assert.equal(fleetStatus(ru, watching(1, 1)).text, 'экземпляров: 1, подключено: 1');
      assert.equal(fleetStatus(ru, watching(12, 9)).text, 'экземпляров: 12, подключено: 9');
      assert.equal(fleetStatus(ru, watching(60, 50, 10)).text, 'экземпляров: 60, подключено: 50, сверх лимита: 10');
    });

    it('should show the instance list failing like the other nodes do', () => {
      const zero = { instances: 0, connected: 0, waiting: 0 };
      assert.deepEqual(fleetStatus(en, { state: 'resolving', ...zero }), { fill: 'yellow', shape: 'ring', text: 'bpm-monitor.status.resolving' });
      assert.deepEqual(fleetStatus(en, { state: 'reconnecting', retryInMs: 2100, error: new TransportError('refused'), ...zero }), { fill: 'red', shape: 'ring', text: 'no connection, retry in 3 s' });
      assert.deepEqual(fleetStatus(en, { state: 'failed', error: new ConfigError('no such process'), ...zero }), { fill: 'red', shape: 'dot', text: 'failed: check the settings' });
      assert.deepEqual(fleetStatus(en, { state: 'stopped', ...zero }), { fill: 'grey', shape: 'ring', text: 'bpm-monitor.status.closed' });
    });
  });

  describe('scada-events', () => {
    const words = new StatusWords('scada-events', translator('en-US', 'scada-events'));

    it('should show connecting at once, and polling only when nothing more useful is shown', () => {
      assert.deepEqual(pollerStateStatus(words, 'connecting', 'connected'), { kind: 'connecting', status: { fill: 'yellow', shape: 'ring', text: 'scada-events.status.connecting' } });
      const polling = { kind: 'connected', status: { fill: 'green', shape: 'dot', text: 'scada-events.status.polling' } };
      for (const shown of [undefined, 'connecting', 'retrying', 'error'] as const) {
        assert.deepEqual(pollerStateStatus(words, 'polling', shown), polling, `after ${String(shown)}`);
        assert.deepEqual(pollingStatus(words, shown), polling, `after ${String(shown)}`);
      }
      for (const shown of ['connected', 'warning'] as const) {
        assert.equal(pollerStateStatus(words, 'polling', shown), undefined, `a ${shown} status stays`);
        assert.equal(pollingStatus(words, shown), undefined, `a ${shown} status stays`);
      }
      assert.equal(pollerStateStatus(words, 'stopped', undefined), undefined);
    });

    it('should show the event count with the time, and notices as a yellow dot', () => {
      const at = new Date(2026, 0, 2, 10, 41, 7);
      assert.deepEqual(eventCountStatus(words, 12, at), { kind: 'connected', status: { fill: 'green', shape: 'dot', text: 'events: 12 at 10:41:07' } });
      assert.deepEqual(pollerNoticeStatus(words, 'resubscribed'), { kind: 'warning', status: { fill: 'yellow', shape: 'dot', text: 'scada-events.status.resubscribed' } });
      assert.deepEqual(pollerNoticeStatus(words, 'gap'), { kind: 'warning', status: { fill: 'yellow', shape: 'dot', text: 'scada-events.status.gap' } });
    });

    it('should count down a failure the poller retries, and show one that will not heal as a red dot', () => {
      assert.deepEqual(pollerFailureStatus(words, new HttpStatusError(503, ''), 1500), { kind: 'retrying', status: { fill: 'red', shape: 'ring', text: 'HTTP error, retry in 2 s' } });
      assert.deepEqual(pollerFailureStatus(words, new IntegrationError('SESSION', 'pasted session ended', { retriable: false }), 1500), {
        kind: 'error',
        status: { fill: 'red', shape: 'dot', text: 'failed: session refused' },
      });
      // The poller retries anything that does not say otherwise, a fault of our own included.
      assert.equal(pollerFailureStatus(words, new Error('a bug'), 1000).kind, 'retrying');
    });
  });
});
