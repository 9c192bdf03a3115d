import { BadInputError } from '../../src/shared/errors';
import type { Translate } from './status';

/** Event ids one msg may name: a larger batch is split by the flow (one call, one answer, bounded). */
export const MAX_ACK_EVENT_IDS = 1000;
/** Longer ids are no runtime's event ids (the vendor example is 12 hex digits). */
const MAX_EVENT_ID_LENGTH = 256;
const MAX_COMMENT_LENGTH = 4000;

export interface AckRequest {
  eventIds: string[];
  comment: string;
}

interface AckMsg {
  payload?: unknown;
  eventId?: unknown;
  comment?: unknown;
}

/**
 * What a msg asks to acknowledge: `msg.payload.eventIds` (an array), else
 * `msg.eventId` (a string, or an array; a scada-events msg has it), else a
 * string `msg.payload`. Ids are trimmed and de-duplicated in order. The
 * comment is `msg.comment`, else `defaultComment`.
 */
export function ackRequestOf(msg: AckMsg, defaultComment: string, t: Translate): AckRequest {
  const payload = msg.payload;
  const list = isObject(payload) && payload.eventIds !== undefined ? payload.eventIds : msg.eventId !== undefined && msg.eventId !== null ? msg.eventId : payload;
  const raw = Array.isArray(list) ? list : [list];
  if (raw.length > MAX_ACK_EVENT_IDS) throw new BadInputError(t('scada-ack.errors.tooMany', { count: raw.length, max: MAX_ACK_EVENT_IDS }));
  const eventIds: string[] = [];
  for (const id of raw) {
    // eventId is a string (docs/masterscada.md#s3-createmonitoredevents); a number is no event id of the runtime.
    const text = typeof id === 'string' ? id.trim() : '';
    if (text === '' || text.length > MAX_EVENT_ID_LENGTH) throw new BadInputError(t('scada-ack.errors.noEventId'));
    if (!eventIds.includes(text)) eventIds.push(text);
  }
  if (eventIds.length === 0) throw new BadInputError(t('scada-ack.errors.noEventId'));
  const comment = msg.comment === undefined || msg.comment === null ? defaultComment : msg.comment;
  if (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH) throw new BadInputError(t('scada-ack.errors.badComment', { max: MAX_COMMENT_LENGTH }));
  return { eventIds, comment };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
