import { field, text } from '../../foresight/codec';
import type { PpsomValue } from '../../foresight/codec';
import { OP, OP_GET_BPM_STEP_OPERATIONS, SESSION_FAULT_TEXT } from '../../foresight/vendor';
import { SimBpmOperations } from './bpm-operations';
import type { Instance, ProcessModel } from './model';
import type { SessionTable, SimSession } from './sessions';

/** A fault the service answers with; `session` faults use the vendor-like session text (docs/foresight.md#faults). */
export class SimFault extends Error {
  constructor(
    message: string,
    readonly kind: 'session' | 'client' | 'server' = 'client',
  ) {
    super(message);
  }
}

/** A result tree in the vendor's JSON shape: strings, objects, arrays for repeated `it` (docs/foresight.md#value-conventions). */
export type SimResult = PpsomValue;

export interface ServiceAccounts {
  repositoryId: string;
  users: Record<string, string>;
}

/** `{"it": x}`: an object for one element, an array for several, `""` for none (docs/foresight.md#value-conventions). */
export function collection(list: SimResult[]): SimResult {
  if (list.length === 0) return '';
  return { it: list.length === 1 ? list[0] : list };
}

/**
 * The PP.SOM operations of the BPM chain on top of the process model and the
 * session table. Input arrives normalised (strings, `it` as sent); enum values
 * are accepted by name or number, booleans as `true`/`1` (docs/foresight.md#value-conventions).
 */
export class PpsomService {
  constructor(
    private readonly model: ProcessModel,
    private readonly sessions: SessionTable,
    private readonly accounts: ServiceAccounts,
    private readonly seedInstanceKey: string,
  ) {}

  execute(op: string, params: PpsomValue): SimResult {
    switch (op) {
      case OP.openMetabase:
        return this.openMetabase(params);
      case OP.closeMetabase:
        return this.closeMetabase(params);
      case OP.openBpmProcess:
        return this.openBpmProcess(params);
      case OP.getProcessInstances:
        return this.getProcessInstances(params);
      case OP.getBpmMonitoringWorkspace:
        return this.getBpmMonitoringWorkspace(params);
      case OP.openMonitoringWS:
        return this.openMonitoringWS(params);
      case OP.executeBpmOperation:
        return this.executeBpmOperation(params);
      case OP.closeBpmProcess:
        return this.closeBpmProcess(params);
      case OP_GET_BPM_STEP_OPERATIONS:
        return this.getBpmStepOperations(params);
      default:
        throw new SimFault(`Операция ${op} не поддерживается`, 'client');
    }
  }

  private openMetabase(params: PpsomValue): SimResult {
    const repo = text(field(params, 'tDef'), 'id');
    if (repo !== this.accounts.repositoryId) throw new SimFault(`Репозиторий ${repo || '(пусто)'} не найден`);
    const creds = field(params, 'tCreds');
    const user = text(field(creds, 'user'), 'id');
    const pass = text(creds, 'pass');
    if (!(user in this.accounts.users) || this.accounts.users[user] !== pass) {
      throw new SimFault('Неверное имя пользователя или пароль');
    }
    const s = this.sessions.open(user);
    return { id: s.connection, sessKey: s.sessKey, sessCookie: `C${s.sessKey}`, version: '166', defLocale: '1049', driver: '2' };
  }

  private closeMetabase(params: PpsomValue): SimResult {
    const s = this.session(text(field(params, 'tMb'), 'id'));
    this.sessions.end(s, 'closed');
    return '1';
  }

  private openBpmProcess(params: PpsomValue): SimResult {
    const objectMoniker = text(field(params, 'tObject'), 'id');
    const s = this.session(objectMoniker);
    const key = objectMoniker.slice(s.connection.length + 1);
    if (!objectMoniker.startsWith(`${s.connection}!`) || !this.model.processes.has(key)) {
      throw new SimFault(`Объект с ключом ${key || '(пусто)'} не найден`);
    }
    return { id: { id: this.sessions.openProcess(s, key) } };
  }

  private getProcessInstances(params: PpsomValue): SimResult {
    const { processKey } = this.process(text(field(params, 'tBpmProcess'), 'id'));
    const arg = field(params, 'arg');
    const mode = text(arg, 'mode') || 'Default';
    if (mode !== 'Default' && mode !== '0') throw new SimFault(`Недопустимое значение mode: ${mode}`);
    // Subprocess lists are not modelled: a parent key lists no children.
    const list = text(arg, 'parentInstKey') ? [] : this.model.instancesOf(processKey);
    return {
      operations: '1',
      list: collection(list.map((i) => ({ key: i.key, startDate: i.startDate, comment: i.comment, prms: i.prms }))),
    };
  }

  private getBpmMonitoringWorkspace(params: PpsomValue): SimResult {
    const { processKey } = this.process(text(field(params, 'tBpmProcess'), 'id'));
    const inst = this.instance(processKey, text(field(params, 'tArg'), 'id'));
    const proc = this.model.processes.get(processKey)!;
    const steps = this.model.steps(inst);
    const stages = proc.stages.map((stage, si) => ({
      stage: { name: stage.name, index: String(si), guid: stage.guid, id: `${inst.idPrefix}*${si}`, states: collection(this.model.stageState(inst, si).map(String)) },
      gtwType: 'No_gateway',
      isCondActive: '0',
      stGroups: collection([
        {
          stGroup: { index: '0', guid: stage.guid.replace(/^\{.{8}/, '{00000000') },
          steps: collection(
            stage.steps.map((def, idx) => {
              const flat = steps.findIndex((s) => s.def === def);
              return {
                isEnabled: '1',
                name: def.name,
                type: def.type,
                index: String(idx),
                guid: def.guid,
                descr: '',
                roleId: def.roleId,
                roleName: def.roleName,
                maxDur: { periodType: 'Day', amount: '1' },
                id: `${inst.idPrefix}*${si}@0^${idx}`,
                states: collection(this.model.stepState(inst, flat).map(String)),
                canChangeExec: '0',
              };
            }),
          ),
          isDefaultFlow: '1',
        },
      ]),
    }));
    return { proc: { name: proc.name, stages: collection(stages) }, instId: inst.instId };
  }

  private openMonitoringWS(params: PpsomValue): SimResult {
    const processMoniker = text(field(params, 'tObject'), 'id');
    const { session, processKey } = this.process(processMoniker);
    const arg = field(params, 'tArg');
    const inst = this.instance(processKey, text(arg, 'key'));
    // The prose of the vendor page spells the field `giud` (docs/foresight.md#openmonitoringws); both are accepted.
    const g = text(arg, 'guid') || text(arg, 'giud');
    if (g.toUpperCase() !== inst.instId.toUpperCase()) throw new SimFault(`GUID структуры ${g || '(пусто)'} не соответствует экземпляру ${inst.key}`);
    return { url: this.sessions.issueToken(session, processMoniker, inst.key, inst.key === this.seedInstanceKey) };
  }

  private executeBpmOperation(params: PpsomValue): SimResult {
    const { processKey } = this.process(text(field(params, 'tBpmProcess'), 'id'));
    return this.bpmOperations.executeBpmOperation(field(params, 'tArg'), (key) => this.instance(processKey, key));
  }

  private getBpmStepOperations(params: PpsomValue): SimResult {
    const { processKey } = this.process(text(field(params, 'tBpmProcess'), 'id'));
    return this.bpmOperations.getBpmStepOperations(field(params, 'tArg'), (key) => this.instance(processKey, key));
  }

  private operationsSim: SimBpmOperations | undefined;
  private get bpmOperations(): SimBpmOperations {
    this.operationsSim ??= new SimBpmOperations(this.model);
    return this.operationsSim;
  }

  private closeBpmProcess(params: PpsomValue): SimResult {
    const moniker = text(field(params, 'tBpmProcess'), 'id') || text(field(params, 'tObject'), 'id');
    const { session } = this.process(moniker);
    session.processes.delete(moniker);
    return '1';
  }

  private session(moniker: string): SimSession {
    const s = this.sessions.lookup(moniker);
    if (!s) throw new SimFault(SESSION_FAULT_TEXT, 'session');
    return s;
  }

  private process(moniker: string): { session: SimSession; processKey: string } {
    const session = this.session(moniker);
    const processKey = session.processes.get(moniker);
    if (!processKey) throw new SimFault(SESSION_FAULT_TEXT, 'session');
    return { session, processKey };
  }

  private instance(processKey: string, key: string): Instance {
    const inst = this.model.instances.get(key);
    if (!inst || inst.processKey !== processKey) throw new SimFault(`Экземпляр процесса ${key || '(пусто)'} не найден`);
    return inst;
  }
}
