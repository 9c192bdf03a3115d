import { field, items, text } from '../../foresight/codec';
import type { PpsomValue } from '../../foresight/codec';
import { BPM_OPERATION_CODES, INSTANCE_LEVEL_OPERATIONS, operationRefusedFaultText } from '../../foresight/vendor';
import type { Instance, ProcessModel } from './model';
import { SimFault, collection } from './service';
import type { SimResult } from './service';

/**
 * GetBpmStepOperations and ExecuteBpmOperation on the process model (docs/foresight.md#operations-that-change-state),
 * with the operation codes of vendor.ts (inferred there). What a step allows:
 * the running step StepExecute and ProcessStop, the completed step just
 * before it StepReject, any other step (and every step of a finished or
 * stopped instance) nothing. An operation the step does not allow is a
 * client Fault (HTTP 500), like any refused request.
 */
export class SimBpmOperations {
  private readonly names: Map<number, string>;

  constructor(
    private readonly model: ProcessModel,
    private readonly codes: Readonly<Record<string, number>> = BPM_OPERATION_CODES,
  ) {
    this.names = new Map(Object.entries(codes).map(([n, c]) => [c, n]));
  }

  /** The operation names a step of an instance allows now. */
  allowed(inst: Instance, stepGuid: string): string[] {
    if (this.model.isFinished(inst)) return [];
    const index = this.model.steps(inst).findIndex((s) => s.def.guid.toUpperCase() === stepGuid.toUpperCase());
    if (index < 0) return [];
    if (index === inst.position) return ['StepExecute', 'ProcessStop'];
    if (index === inst.position - 1) return ['StepReject'];
    return [];
  }

  getBpmStepOperations(arg: PpsomValue | undefined, instance: (key: string) => Instance): SimResult {
    const inst = instance(text(arg, 'instId'));
    const known = new Set(this.model.steps(inst).map((s) => s.def.guid.toUpperCase()));
    const steps = items(field(arg, 'guids')).map((g) => {
      const guid = typeof g === 'string' ? g : '';
      if (!known.has(guid.toUpperCase())) throw new SimFault(`Шаг ${guid || '(пусто)'} не найден`);
      const ops = this.allowed(inst, guid).map((n) => String(this.codes[n]));
      return { guid, ops: collection(ops), bindParams: '', autoExec: '0' };
    });
    return { steps: collection(steps) };
  }

  executeBpmOperation(arg: PpsomValue | undefined, instance: (key: string) => Instance): SimResult {
    const raw = text(arg, 'oper');
    // Enums by name or by number (docs/foresight.md#value-conventions).
    const oper = /^\d+$/.test(raw) ? (this.names.get(Number(raw)) ?? raw) : raw;
    if (!(oper in this.codes)) throw new SimFault(`Недопустимое значение oper: ${raw || '(пусто)'}`);
    const stepGuid = text(arg, 'guid');
    const keys = items(field(arg, 'instIds')).filter((k): k is string => typeof k === 'string');
    if (keys.length === 0) throw new SimFault('Не указаны экземпляры процесса (instIds)');
    const targets = keys.map((key) => instance(key));
    // Every instance is checked before any is changed: a refused request changes nothing.
    for (const inst of targets) {
      const guids = stepGuid && !INSTANCE_LEVEL_OPERATIONS.includes(oper) ? [stepGuid] : this.model.steps(inst).map((s) => s.def.guid);
      if (!guids.some((g) => this.allowed(inst, g).includes(oper))) throw new SimFault(operationRefusedFaultText(oper, inst.key, stepGuid));
    }
    for (const inst of targets) this.apply(inst, oper);
    return '1';
  }

  private apply(inst: Instance, oper: string): void {
    if (oper === 'ProcessStop') this.model.stop(inst.key);
    else if (oper === 'StepExecute') this.model.advance(inst.key, false);
    else if (oper === 'StepReject') this.model.mutate(inst.key, (i) => (i.position -= 1));
  }
}
