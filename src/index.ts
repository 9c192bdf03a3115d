/**
 * Use outside Node-RED: the protocol clients, the MasterSCADA event poller, the Foresight BPM monitor
 * and the simulators, as plain TypeScript/JavaScript (`require('node-red-contrib-foresight-masterscada')`).
 * Node-RED itself loads the nodes through package.json `node-red.nodes`, not through this file.
 */

// Shared building blocks
export {
  IntegrationError,
  TransportError,
  AbortedError,
  HttpStatusError,
  ResponseFormatError,
  ConfigError,
  ClosedError,
  isIntegrationError,
  describeError,
} from './shared/errors';
export type { ErrorCode } from './shared/errors';
export { HttpTransport } from './shared/http';
export type { HttpTransportOptions } from './shared/http';
export type { TlsOptions } from './shared/tls-options';
export { Backoff } from './shared/backoff';
export type { BackoffOptions } from './shared/backoff';
export { systemClock } from './shared/clock';
export type { Clock } from './shared/clock';
export { silentLogger, redact } from './shared/logger';
export type { Logger } from './shared/logger';
export type { EngineFailure, EngineStatus } from './shared/engine';

// MasterSCADA 4D
export { MasterScadaClient } from './masterscada/client';
export type { MasterScadaClientOptions } from './masterscada/client';
export { MasterScadaSession } from './masterscada/session';
export type { SessionCredentials as MasterScadaCredentials } from './masterscada/session';
export { EventPoller } from './masterscada/event-poller';
export type { EventPollerOptions, PollerEvents, PollerState, PollerStatus, Cursor as EventPollerCursor } from './masterscada/event-poller';
export { ScadaStatusError } from './masterscada/errors';
export type { EventRecord, EventPacket, EventSelection, SelectionField, ServerState } from './masterscada/types';

// Foresight Analytics Platform
export { PpsomClient } from './foresight/client';
export type { PpsomClientOptions, ProcessInstance, MonitoringWorkspace } from './foresight/client';
export { ForesightSession } from './foresight/session';
export type { ForesightSessionOptions } from './foresight/session';
export { BpmMonitor } from './foresight/bpm-monitor';
export type { BpmMonitorOptions, BpmMonitorEvents, MonitorFrame, MonitorState, MonitorStatus, MonitorTarget } from './foresight/bpm-monitor';
export { PpsomFaultError, BpmOperationRefusedError } from './foresight/errors';
export { BpmController, BpmControlError } from './foresight/bpm-control';
export type { BpmControllerOptions, ControlOutcome, ControlRequest } from './foresight/bpm-control';
export type { BpmOperationOutcome, BpmOperationRequest, BpmOperationSettings, StepOperations } from './foresight/client';
export type { PpsomValue, PpsomWireFormat } from './foresight/codec';

// Simulators (also run by the `bpm-scada-sim` command)
export { startMasterScadaSimulator } from './sim/masterscada';
export type { MasterScadaSimulator, MasterScadaSimulatorOptions } from './sim/masterscada';
export { startForesightSimulator } from './sim/foresight';
export type { ForesightSimulator, ForesightSimulatorOptions } from './sim/foresight';
