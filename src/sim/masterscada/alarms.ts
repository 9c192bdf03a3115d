import type { SimEvent, SimRuntime } from './runtime';

/** Plant objects the generator raises alarms on (taskId 0 = main task, docs/masterscada.md#addressing-objects). */
export const SIM_SOURCES: ReadonlyArray<{ itemId: number; taskId: number; name: string }> = [
  { itemId: 111, taskId: 0, name: 'Насос Н-1' },
  { itemId: 112, taskId: 0, name: 'Резервуар Р-1' },
  { itemId: 113, taskId: 0, name: 'Котёл К-2' },
  { itemId: 114, taskId: 1, name: 'Компрессор КС-3' },
];

export const SIM_MESSAGES: ReadonlyArray<{ text: string; severity: number }> = [
  { text: 'Превышение уставки', severity: 500 },
  { text: 'Авария насоса', severity: 900 },
  { text: 'Низкий уровень в резервуаре', severity: 600 },
  { text: 'Высокое давление на выходе', severity: 700 },
  { text: 'Обрыв связи с контроллером', severity: 800 },
  { text: 'Температура подшипника выше нормы', severity: 650 },
  { text: 'Загазованность в помещении', severity: 950 },
  { text: 'Отказ датчика давления', severity: 550 },
];

/** The generator raises no new alarm while this many are current. */
const MAX_CURRENT = 12;

/** mulberry32: a tiny seeded generator, so a seed gives the same alarm sequence every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One step of plant life: raise a new alarm, or let an active one clear, or
 * acknowledge one, so subscribers see Update records and deletions.
 */
export class AlarmGenerator {
  constructor(
    private readonly runtime: SimRuntime,
    private readonly random: () => number,
  ) {}

  step(): SimEvent {
    const current = [...this.runtime.events.values()];
    const active = current.filter((e) => e.Active);
    const unacked = current.filter((e) => !e.Acked);
    const roll = this.random();
    // An alarm needs two steps (clear and acknowledge) to go away, so raising on a third of the
    // steps keeps the list steady; the cap keeps a simulator running for days small.
    if (current.length < 3 || (roll < 0.34 && current.length < MAX_CURRENT)) return this.raise();
    if (roll < 0.67 && active.length > 0) return this.runtime.clear(this.pick(active).eventId);
    if (unacked.length > 0) return this.runtime.acknowledge(this.pick(unacked).eventId, 'Принято оператором');
    return this.runtime.clear(this.pick(active).eventId);
  }

  raise(): SimEvent {
    const source = this.pick(SIM_SOURCES);
    const message = this.pick(SIM_MESSAGES);
    return this.runtime.raise({
      itemId: source.itemId,
      taskId: source.taskId,
      sourceName: source.name,
      message: message.text,
      severity: message.severity,
      value: Math.round(this.random() * 10000) / 10,
    });
  }

  private pick<T>(items: ReadonlyArray<T>): T {
    return items[Math.floor(this.random() * items.length) % items.length];
  }
}
