import type { PDU } from 'smpp';
import type { SmscSettings } from '../config/smsc-settings';
import type { Logger } from '../log';
import { COMMAND_STATUS, commandStatusName, formatCommandStatus } from './command-status';
import { SmppBind, type BindState, type BindType, type CloseReason } from './smpp-bind';
import { smscBindOptions } from './smsc-client';
import type { TlsPeer } from './tls-peer';

/** The outcome of one bind check; times in ms. */
export interface BindCheck {
  smsc: string;
  url: string;
  systemId: string;
  bindType: BindType;
  ok: boolean;
  /** "bound", or what went wrong, e.g. "bind refused: ESME_RINVPASWD (0x0E)". */
  outcome: string;
  /** command_status of the SMSC's bind response, when one came. */
  commandStatus?: { code: number; name: string };
  /** The system_id the SMSC names itself with in its bind response. */
  smscSystemId?: string;
  connectMs?: number;
  bindMs?: number;
  enquireLinkMs?: number;
  unbindMs?: number;
  /** False when the SMSC did not answer the unbind within the response timeout. */
  unbindAnswered?: boolean;
  tls?: TlsPeer;
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;

/**
 * Binds once exactly as the gateway's sessions do (same options, TLS, timeouts), sends one
 * enquire_link and unbinds: an operator's check of an SMSC account. It never reconnects. Receipts
 * the SMSC pushes to this session meanwhile are answered ESME_RX_T_APPN, so the SMSC delivers them
 * again later (to the gateway's own session) instead of losing them here.
 */
export async function checkBind(smsc: SmscSettings, bindType: BindType, logger: Logger): Promise<BindCheck> {
  const { forSession } = smscBindOptions(smsc, logger, () => COMMAND_STATUS.ESME_RX_T_APPN);
  const bind = new SmppBind(forSession(bindType, 'check'));
  const result: BindCheck = { smsc: smsc.name, url: smsc.url, systemId: smsc.systemId, bindType, ok: false, outcome: '' };
  const started = performance.now();
  let connectedAt = 0;
  let response: PDU | undefined;

  const verdict = new Promise<{ bound: true } | { bound: false; reason: CloseReason; detail: string; during: BindState }>((resolve) => {
    bind.on('state', (state: BindState) => {
      if (state === 'binding') {
        connectedAt = performance.now();
        result.connectMs = elapsed(started);
        result.tls = bind.tlsPeer();
      } else if (state === 'bound') {
        resolve({ bound: true });
      }
    });
    bind.on('bind-response', (resp: PDU) => {
      response = resp;
      result.bindMs = elapsed(connectedAt);
      result.commandStatus = { code: resp.command_status, name: commandStatusName(resp.command_status) };
      if (resp.system_id) result.smscSystemId = String(resp.system_id);
    });
    // Emitted while the state still says where the session was when it ended.
    bind.on('closed', (reason: CloseReason, detail: string) => {
      if (bind.state !== 'bound' && bind.state !== 'unbinding') resolve({ bound: false, reason, detail, during: bind.state });
    });
  });

  bind.start();
  const first = await verdict;
  if (!first.bound) {
    await bind.stop(); // before its reconnect timer fires
    result.outcome = failure(first.reason, first.detail, first.during, response);
    return result;
  }

  const probeStarted = performance.now();
  try {
    await bind.enquireLink();
    result.enquireLinkMs = elapsed(probeStarted);
  } catch (err) {
    await bind.stop();
    result.outcome = `enquire_link failed: ${(err as Error).message}`;
    return result;
  }

  const unbindStarted = performance.now();
  result.unbindAnswered = false;
  bind.once('unbind-resp', () => (result.unbindAnswered = true));
  await bind.stop();
  result.unbindMs = elapsed(unbindStarted);
  result.ok = true;
  result.outcome = 'bound';
  return result;
}

function failure(reason: CloseReason, detail: string, during: BindState, response: PDU | undefined): string {
  switch (reason) {
    case 'bind-refused': {
      const status = response ? formatCommandStatus(response.command_status) : detail;
      return `bind refused: ${response?.command === 'generic_nack' ? 'generic_nack ' : ''}${status}`;
    }
    case 'connect-failed':
      return `connect failed: ${detail}`;
    case 'connect-timeout':
      return `connect timeout: ${detail}`;
    case 'bind-timeout':
      return `bind timeout: ${detail}`;
    default:
      return `connection ended while ${during} (${reason}: ${detail})`;
  }
}
