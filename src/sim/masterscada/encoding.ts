import { STATUS_NAME_PREFIX, statusValue } from '../../masterscada/status-codes';
import type { StatusName } from '../../masterscada/status-codes';
import { formatTime } from '../../masterscada/vendor';

/** How the simulator writes a status (its `codeEncoding` switch): each form a real runtime may use (docs/masterscada.md#status-code-encoding). */
export type CodeEncoding = 'number' | 'signed' | 'numeric-string' | 'name';

export function encodeStatus(name: StatusName, encoding: CodeEncoding): number | string {
  const value = statusValue(name);
  switch (encoding) {
    case 'number':
      return value;
    case 'signed':
      return value | 0;
    case 'numeric-string':
      return String(value);
    case 'name':
      return value === 0 ? 0 : `${STATUS_NAME_PREFIX}${name}`;
  }
}

/** How the simulator writes a time (its `timeEncoding` switch): the vendor's string of epoch ms, or a number. */
export type TimeEncoding = 'string' | 'number';

export function encodeTime(ms: number, encoding: TimeEncoding): string | number {
  return encoding === 'number' ? ms : formatTime(ms);
}
