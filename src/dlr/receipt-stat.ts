/** What a receipt says about its part: final (and how it ended), or null while it is not final. */
export type FinalState = 'delivered' | 'undeliverable' | 'expired' | 'rejected' | 'unknown' | null;

/**
 * Receipt `stat` words (SMPP 3.4 Appendix B; SCHEDLD and SKIPPED from SMPP 5.0), the message_state
 * each stands for (SMPP 3.4 §5.2.28; 0 SCHEDULED and 9 SKIPPED are SMPP 5.0's, §4.7.15) and the part's state it leads to. The
 * one table of them: the receipt parser, the simulator's receipts and the metrics' `stat` label read it.
 */
export const RECEIPT_STATS = {
  ENROUTE: { messageState: 1, state: null },
  DELIVRD: { messageState: 2, state: 'delivered' },
  EXPIRED: { messageState: 3, state: 'expired' },
  DELETED: { messageState: 4, state: 'undeliverable' },
  UNDELIV: { messageState: 5, state: 'undeliverable' },
  ACCEPTD: { messageState: 6, state: null },
  UNKNOWN: { messageState: 7, state: 'unknown' },
  REJECTD: { messageState: 8, state: 'rejected' },
  SKIPPED: { messageState: 9, state: 'undeliverable' },
  SCHEDLD: { messageState: 0, state: null },
  // Anything a carrier invents. Not final, so that a later standard receipt can still settle the message.
  OTHER: { messageState: null, state: null },
} as const satisfies Record<string, { messageState: number | null; state: FinalState }>;

export type ReceiptStat = keyof typeof RECEIPT_STATS;

export const RECEIPT_STAT_NAMES = Object.keys(RECEIPT_STATS) as ReceiptStat[];

const STAT_BY_STATE = new Map<number, ReceiptStat>(
  RECEIPT_STAT_NAMES.flatMap((stat) => {
    const state = RECEIPT_STATS[stat].messageState;
    return state === null ? [] : [[state, stat] as const];
  }),
);

/** The stat for a message_state value; OTHER for one SMPP does not define. */
export function statOfMessageState(messageState: number): ReceiptStat {
  return STAT_BY_STATE.get(messageState) ?? 'OTHER';
}

// Other spellings of the stat words: the §5.2.28 long names and vendor variants (somleng, Kannel).
const STAT_ALIASES: Readonly<Record<string, ReceiptStat>> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  ACCEPTED: 'ACCEPTD',
  REJECTED: 'REJECTD',
  BUFFRED: 'ENROUTE',
  BUFFERD: 'ENROUTE',
  ACKED: 'ENROUTE',
  SCHEDULED: 'SCHEDLD',
};

/** The stat for a receipt text's stat word, in any case; OTHER for a word we do not know. */
export function statOfWord(word: string): ReceiptStat {
  const upper = word.toUpperCase();
  if (upper !== 'OTHER' && Object.hasOwn(RECEIPT_STATS, upper)) return upper as ReceiptStat;
  return STAT_ALIASES[upper] ?? 'OTHER';
}
