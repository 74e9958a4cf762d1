import type { TLSSocket } from 'node:tls';

/** What an operator checks about an SMSC's TLS: protocol, cipher, whose certificate, valid until when, verified or why not. */
export interface TlsPeer {
  protocol: string | null;
  cipher: string;
  /** The certificate chain verified against the configured CAs (and the host name). */
  authorized: boolean;
  authorizationError?: string;
  subject?: string;
  issuer?: string;
  validTo?: string;
  fingerprint256?: string;
}

export function describeTlsPeer(socket: TLSSocket): TlsPeer {
  const cert = socket.getPeerCertificate();
  const hasCert = cert && Object.keys(cert).length > 0;
  const name = (fields: Record<string, unknown> | undefined) =>
    fields ? Object.entries(fields).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`).join(', ') : undefined;
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().name,
    authorized: socket.authorized,
    ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
    ...(hasCert
      ? {
          subject: name(cert.subject),
          issuer: name(cert.issuer),
          validTo: new Date(cert.valid_to).toISOString(),
          fingerprint256: cert.fingerprint256,
        }
      : {}),
  };
}
