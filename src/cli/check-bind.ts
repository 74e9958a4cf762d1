import { smscSettings } from '../config/smsc-settings';
import { checkBind, type BindCheck } from '../smpp/bind-check';
import type { BindType } from '../smpp/smpp-bind';
import type { Command } from './command';

const took = (value: number | undefined) => (value === undefined ? '' : `, ${value} ms`);

function describe(check: BindCheck): string {
  const lines = [`${check.smsc}: ${check.url}, system_id "${check.systemId}", bind_${check.bindType}`];
  if (check.connectMs !== undefined) lines.push(`  connect: ok${took(check.connectMs)}`);
  const tls = check.tls;
  if (tls) {
    lines.push(`  tls: ${tls.protocol} ${tls.cipher}, certificate ${tls.authorized ? 'verified' : `NOT verified (${tls.authorizationError ?? 'SMSGW_SMSC_TLS_VERIFY=false'})`}`);
    if (tls.subject) lines.push(`  tls peer: ${tls.subject}; issuer ${tls.issuer}; valid until ${tls.validTo}; SHA-256 ${tls.fingerprint256}`);
  }
  if (!check.ok) {
    lines.push(`  ${check.outcome}${check.commandStatus ? took(check.bindMs) : ''}`);
    return lines.join('\n');
  }
  lines.push(`  bind: ok (${check.commandStatus!.name})${took(check.bindMs)}${check.smscSystemId ? `; SMSC system_id "${check.smscSystemId}"` : ''}`);
  lines.push(`  enquire_link: ok${took(check.enquireLinkMs)}`);
  lines.push(`  unbind: ${check.unbindAnswered ? 'ok' : 'no unbind_resp in time'}${took(check.unbindMs)}`);
  return lines.join('\n');
}

export const checkBindCommand: Command = {
  name: 'check-bind',
  args: [],
  summary: 'bind to the SMSC with the configured credentials, enquire_link, unbind',
  help: `Connects to each configured SMSC (or the one named by --smsc) exactly as the gateway does (TLS,
CA and client certificate, timeouts), binds with the configured system_id and password, sends one
enquire_link and unbinds. Prints connect and bind times, the TLS session and the SMSC's certificate,
and the outcome with the SMSC's command_status by name, e.g. "bind refused: ESME_RINVPASWD (0x0E)".
In transmitter-receiver mode both a transmitter and a receiver are checked. The password is never
printed. Exits 0 only if every bind succeeded.
This is a second bind on the account: an SMSC that allows one bind per account refuses it while the
gateway is bound. Receipts the SMSC pushes to it are refused with ESME_RX_T_APPN, so they come again.

  --smsc NAME   check only this SMSC (as named by SMSGW_SMSC_NAME or in SMSGW_SMSCS)`,
  options: { smsc: { type: 'string' } },
  async run(ctx) {
    const config = ctx.config();
    const wanted = ctx.values.smsc as string | undefined;
    const all = smscSettings(config).filter((s) => s.url);
    if (all.length === 0) {
      const why = 'no SMSC to check: the development profile binds to its built-in simulator, which runs inside the gateway; set SMSGW_SMSC_URL';
      return { ok: false, text: why, json: { ok: false, error: why } };
    }
    const selected = wanted === undefined ? all : all.filter((s) => s.name === wanted);
    if (selected.length === 0) {
      const why = `no SMSC named "${wanted}" (configured: ${all.map((s) => s.name).join(', ')})`;
      return { ok: false, text: why, json: { ok: false, error: why } };
    }
    const checks: BindCheck[] = [];
    for (const smsc of selected) {
      const types: BindType[] = smsc.bindMode === 'transceiver' ? ['transceiver'] : ['transmitter', 'receiver'];
      for (const type of types) checks.push(await checkBind(smsc, type, ctx.logger));
    }
    const ok = checks.every((c) => c.ok);
    return { ok, text: checks.map(describe).join('\n'), json: { ok, binds: checks } };
  },
};
