import type { PDU } from 'smpp';

/** The bind's life; changed only by the session's setState(), which logs and emits 'state'. */
export const BIND_STATES = ['idle', 'connecting', 'binding', 'bound', 'reconnect-wait', 'unbinding', 'stopped'] as const;
export type BindState = (typeof BIND_STATES)[number];

/** Why a session ended; decides what happens next (see reconnect-schedule.ts). */
export const CLOSE_REASONS = ['connect-failed', 'connect-timeout', 'bind-timeout', 'bind-refused', 'link-lost', 'enquire-link-timeout', 'malformed-pdu', 'peer-unbind', 'stopped'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export const BIND_TYPES = ['transceiver', 'transmitter', 'receiver'] as const;
export type BindType = (typeof BIND_TYPES)[number];

/** Everything a bind reports, with its arguments; the bind itself knows nothing of metrics or the CLI. */
export interface BindEvents {
  /** The one state change; `reason` when a session's end caused it. */
  state: [next: BindState, previous: BindState, reason: CloseReason | undefined];
  /** A session ended, emitted while `state` still says where it was (connecting, binding, bound…). */
  closed: [reason: CloseReason, detail: string];
  /** The SMSC's answer to bind_*, successful or not. */
  'bind-response': [pdu: PDU];
  'enquire-link-resp': [];
  'enquire-link-timeout': [];
  'unbind-resp': [];
  /** A submit_sm_resp or generic_nack for a request already answered (timed out) or never sent. */
  'late-response': [pdu: PDU];
  /** A PDU from the SMSC that could not be decoded (a bad command_length, or a body the library cannot read). */
  'malformed-pdu': [];
  /** A submit waited for a TPS token (once per submit). */
  'tps-limited': [];
  /** The SMSC throttled: the bind pauses sending; `status` is the command_status that began the pause. */
  'throttle-pause': [status: number];
}
