import { randomInt, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { formatVendorDate } from '../../foresight/vendor';
import { STATE_COMPLETED, STATE_RUNNING, STATE_WAITING } from './frames';
import type { MonitoringChange } from './frames';

export interface StepDef {
  name: string;
  guid: string;
  type: string;
  roleId: string;
  roleName: string;
}

export interface StageDef {
  name: string;
  guid: string;
  steps: StepDef[];
}

export interface ProcessDef {
  /** Repository object key of the process (docs/foresight.md#openbpmprocess). */
  key: string;
  name: string;
  stages: StageDef[];
}

export interface InstanceSeed {
  key: string;
  /** `dd.mm.yyyy hh:mm:ss` like the vendor's list (docs/foresight.md#getprocessinstances). */
  startDate: string;
  instId: string;
  comment?: string;
  prms?: string;
  /** Index of the running step in stage order; the step count means "finished". */
  position?: number;
}

export interface Instance {
  key: string;
  processKey: string;
  startDate: string;
  instId: string;
  comment: string;
  prms: string;
  /** Prefix of stage/step ids (`168714*0@0^1`, docs/foresight.md#getbpmmonitoringworkspace); not the instance key. */
  idPrefix: string;
  position: number;
  stopped: boolean;
}

export interface InstanceChange {
  instance: Instance;
  changes: MonitoringChange[];
  finished: boolean;
}

/** Seed data taken from the vendor's examples (docs/foresight.md#getprocessinstances). */
export const SEED = {
  repositoryId: 'WAREHOUSE',
  user: 'demo',
  password: 'demo',
  processKey: '338080',
  instanceKey: '98037',
  instanceStart: '21.06.2024 08:27:14',
  instId: '{99654793-F719-4107-AD36-F1060FCD62F5}',
  monitoringUrl: 'BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}',
  prms: "Branches = 'Large branches'",
  idPrefix: '168714',
} as const;

export const SEED_PROCESS: ProcessDef = {
  key: SEED.processKey,
  name: 'Processing of applications',
  stages: [
    {
      name: 'Registration',
      guid: '{7A0C4C55-1F3B-4C8E-9A57-2B6C3D1E0A01}',
      steps: [
        step('Register application', '{1B8E2E61-5D4A-4F0B-8C21-6E0F9A7B3C11}', 'ManualTask', 'PS-1-1', 'Operator'),
        step('Check documents', '{2C9F3F72-6E5B-401C-9D32-7F1A0B8C4D12}', 'Approval', 'PS-1-2', 'Controller'),
      ],
    },
    {
      name: 'Review',
      guid: '{8B1D5D66-2A4C-4D9F-AB68-3C7D4E2F1B02}',
      steps: [
        step('Review application', '{3DA04083-7F6C-412D-AE43-801B1C9D5E13}', 'ManualTask', 'PS-2-1', 'Analyst'),
        step('Enter decision', '{4EB15194-806D-423E-BF54-912C2DAE6F14}', 'DataInput', 'PS-2-2', 'Analyst'),
        step('Approve', '{5FC262A5-917E-434F-C065-A23D3EBF7015}', 'Approval', 'PS-2-3', 'Head of branch'),
      ],
    },
  ],
};

function step(name: string, guid: string, type: string, roleId: string, roleName: string): StepDef {
  return { name, guid, type, roleId, roleName };
}

/**
 * Processes and their running instances. Each `advance` moves an instance one
 * step on and emits `change` with the stages and steps whose states changed.
 */
export class ProcessModel extends EventEmitter {
  readonly processes = new Map<string, ProcessDef>();
  readonly instances = new Map<string, Instance>();

  constructor(processes: ProcessDef[], instances: Array<InstanceSeed & { processKey: string }>) {
    super();
    for (const p of processes) this.processes.set(p.key, p);
    for (const i of instances) this.addInstance(i.processKey, i);
  }

  addInstance(processKey: string, seed: Partial<InstanceSeed> = {}): Instance {
    if (!this.processes.has(processKey)) throw new Error(`unknown process ${processKey}`);
    const key = seed.key ?? String(Math.max(0, ...[...this.instances.keys()].map(Number)) + 1);
    const inst: Instance = {
      key,
      processKey,
      startDate: seed.startDate ?? formatVendorDate(new Date()),
      instId: seed.instId ?? guid(),
      comment: seed.comment ?? '',
      prms: seed.prms ?? '',
      idPrefix: String(randomInt(100000, 999999)),
      position: seed.position ?? 0,
      stopped: false,
    };
    if (seed.key === SEED.instanceKey) inst.idPrefix = SEED.idPrefix;
    this.instances.set(key, inst);
    return inst;
  }

  instancesOf(processKey: string): Instance[] {
    return [...this.instances.values()].filter((i) => i.processKey === processKey);
  }

  steps(inst: Instance): Array<{ stage: number; index: number; def: StepDef }> {
    const proc = this.processes.get(inst.processKey)!;
    return proc.stages.flatMap((s, stage) => s.steps.map((def, index) => ({ stage, index, def })));
  }

  isFinished(inst: Instance): boolean {
    return inst.stopped || inst.position >= this.steps(inst).length;
  }

  stepState(inst: Instance, flatIndex: number): number[] {
    if (flatIndex < inst.position) return [STATE_COMPLETED];
    if (flatIndex === inst.position && !inst.stopped) return [STATE_RUNNING];
    return [STATE_WAITING];
  }

  stageState(inst: Instance, stage: number): number[] {
    const states = this.steps(inst)
      .map((s, flat) => ({ s, flat }))
      .filter(({ s }) => s.stage === stage)
      .map(({ flat }) => this.stepState(inst, flat)[0]);
    if (states.every((s) => s === STATE_COMPLETED)) return [STATE_COMPLETED];
    if (states.some((s) => s === STATE_RUNNING)) return [STATE_RUNNING];
    return [STATE_WAITING];
  }

  /** Every stage and step with its current state, for a snapshot frame. */
  snapshot(inst: Instance): MonitoringChange[] {
    const proc = this.processes.get(inst.processKey)!;
    const out: MonitoringChange[] = [];
    let flat = 0;
    proc.stages.forEach((stage, si) => {
      out.push({ kind: 'stage', id: `${inst.idPrefix}*${si}`, guid: stage.guid, name: stage.name, states: this.stageState(inst, si) });
      stage.steps.forEach((def, idx) => {
        out.push({ kind: 'step', id: `${inst.idPrefix}*${si}@0^${idx}`, guid: def.guid, name: def.name, states: this.stepState(inst, flat) });
        flat += 1;
      });
    });
    return out;
  }

  /** Move one step on; a finished instance starts over when `loop` is set (a demo that never runs dry). */
  advance(instanceKey: string, loop = true): InstanceChange | undefined {
    const inst = this.instances.get(instanceKey);
    if (!inst) return undefined;
    if (this.isFinished(inst) && !loop) return undefined;
    const before = this.snapshot(inst);
    if (this.isFinished(inst)) {
      inst.position = 0;
      inst.stopped = false;
    } else {
      inst.position += 1;
    }
    return this.emitDiff(inst, before);
  }

  /** ExecuteBpmOperation `ProcessStop` (docs/foresight.md#operations-that-change-state). */
  stop(instanceKey: string): InstanceChange | undefined {
    const inst = this.instances.get(instanceKey);
    if (!inst || inst.stopped) return undefined;
    const before = this.snapshot(inst);
    inst.stopped = true;
    return this.emitDiff(inst, before);
  }

  /** Change an instance in place (an operation of the simulator) and emit the states that changed. */
  mutate(instanceKey: string, change: (inst: Instance) => void): InstanceChange | undefined {
    const inst = this.instances.get(instanceKey);
    if (!inst) return undefined;
    const before = this.snapshot(inst);
    change(inst);
    return this.emitDiff(inst, before);
  }

  private emitDiff(inst: Instance, before: MonitoringChange[]): InstanceChange {
    const after = this.snapshot(inst);
    const changes = after.filter((c, i) => before[i].states.join() !== c.states.join());
    const change = { instance: inst, changes, finished: this.isFinished(inst) };
    this.emit('change', change);
    return change;
  }
}

/** Upper-case GUID in braces, the vendor's rendering (docs/foresight.md#value-conventions). */
export function guid(): string {
  return `{${randomUUID().toUpperCase()}}`;
}

/** 48 letters A–P (one hex nibble each) with `GOAE` at 13–16, like every documented moniker (docs/foresight.md#monikers). */
export function monikerLetters(): string {
  let s = '';
  for (let i = 0; i < 48; i += 1) s += String.fromCharCode(65 + randomInt(16));
  return `${s.slice(0, 12)}GOAE${s.slice(16)}`;
}
