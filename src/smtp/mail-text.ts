import { simpleParser } from 'mailparser';

/** What of a mail becomes the SMS (SMSGW_SMTP_TEXT). */
export type MailTextMode = 'body' | 'subject' | 'subject+body';

export interface MailText {
  /** The SMS text: '' when the chosen parts are empty. */
  text: string;
  /** The Message-ID header, as sent; undefined without one. */
  messageId: string | undefined;
}

/**
 * The SMS text of a whole mail (headers and body, at most SMSGW_SMTP_MAX_BYTES). mailparser
 * decodes the transfer encoding and the charset and, for a mail with only an HTML part, turns the
 * HTML into text. From the body the signature and quoted replies go; every run of whitespace
 * becomes one space. With subject+body the subject and the body are joined by a line break.
 */
export async function mailText(raw: Buffer, mode: MailTextMode): Promise<MailText> {
  const mail = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const subject = collapse(mail.subject ?? '');
  const body = mode === 'subject' ? '' : collapse(withoutQuotesAndSignature(mail.text ?? ''));
  const text = mode === 'body' ? body : mode === 'subject' ? subject : [subject, body].filter(Boolean).join('\n');
  return { text, messageId: mail.messageId };
}

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

const QUOTED = /^\s*>/;
/** An attribution line above a quote: "On Mon, 5 Jan 2026 at 10:00, Ann <ann@example.com> wrote:". */
const ATTRIBUTION = /\bwrote:\s*$/i;

/** Drops everything from the signature separator ("-- ", RFC 3676 §4.3) on, and quoted lines with their attribution. */
export function withoutQuotesAndSignature(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  // Many clients trim the separator's trailing space.
  const signature = lines.findIndex((line) => line === '-- ' || line === '--');
  const body = signature === -1 ? lines : lines.slice(0, signature);
  const nextContent = (from: number) => body.slice(from).find((line) => line.trim() !== '');
  return body
    .filter((line, i) => !QUOTED.test(line) && !(ATTRIBUTION.test(line) && QUOTED.test(nextContent(i + 1) ?? '')))
    .join('\n');
}
