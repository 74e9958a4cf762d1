import { statSync } from 'node:fs';
import type { Config } from './load-config';
import { isLoopbackAddress } from '../http/ip-allowlist';

/**
 * Settings that work but weaken the gateway: secret files other users can read, every address
 * trusted as a proxy, a token rotation left half done, the abuse limits switched off, mail to SMS open to
 * other hosts without AUTH or with AUTH they cannot use. Logged once at start-up; none stops the start.
 */
export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const secretFiles: [string, string][] = [
    ['SMSGW_AUTH_TOKEN_FILE', config.auth.tokenFile],
    ['SMSGW_AUTH_TOKEN_PREVIOUS_FILE', config.auth.tokenPreviousFile],
    ['SMSGW_SMSC_PASSWORD_FILE', config.smsc.passwordFile],
    ['SMSGW_SMTP_PASSWORD_FILE', config.smtp.passwordFile],
    ['SMSGW_NUMBER_HASH_KEY_FILE', config.privacy.numberHashKeyFile],
  ];
  for (const [envName, file] of secretFiles) {
    if (!file) continue;
    const mode = statSync(file).mode & 0o777; // load-config has read it already, so it exists
    if (mode & 0o077) {
      warnings.push(`${envName}: ${file} has mode 0${mode.toString(8)}, so other users can read or change it; run chmod 600 (or 400) on it`);
    }
  }
  const everyone = config.trustedProxies.filter((entry) => entry.endsWith('/0'));
  if (everyone.length > 0) {
    warnings.push(`SMSGW_TRUSTED_PROXIES contains ${everyone.join(', ')}: any caller can then choose its address with X-Forwarded-For; list only your reverse proxies`);
  }
  if (config.auth.tokenPrevious) {
    warnings.push('SMSGW_AUTH_TOKEN_PREVIOUS is set: two tokens are accepted; remove it once the portal sends the new token');
  }
  if (config.smtp.port !== null) {
    const remote = config.smtp.allowedIps.filter((entry) => !isLoopbackAddress(entry.split('/')[0]!));
    if (remote.length > 0 && !config.smtp.user) {
      warnings.push(`SMSGW_SMTP_ALLOWED_IPS lets ${remote.join(', ')} send mail to SMS without SMTP AUTH; set SMSGW_SMTP_USER and SMSGW_SMTP_PASSWORD`);
    }
    if (remote.length > 0 && config.smtp.user && !config.smtp.tls.certFile) {
      warnings.push(`SMTP AUTH is only accepted after STARTTLS from clients not on loopback, and no SMSGW_SMTP_TLS_CERT_FILE is set: ${remote.join(', ')} cannot authenticate`);
    }
  }
  if (config.env === 'development' && !config.simulator.enabled) {
    warnings.push(
      "NODE_ENV is not production but a real SMSC is configured: production's start-up checks (country policy, number-hash key, token length) do not apply; set NODE_ENV=production",
    );
  }
  if (!config.limits.enabled) {
    warnings.push(
      'SMSGW_LIMITS_ENABLED=false: OTP-abuse protection is OFF (no country, number-type, rate, budget or duplicate checks). Use this for benchmarks and load tests only',
    );
  }
  return warnings;
}
