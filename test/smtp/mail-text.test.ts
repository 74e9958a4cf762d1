// Text extraction from real MIME (built here by hand, parsed by mailparser): modes, charsets,
// quotes and signatures. The SMTP path end to end is in email-to-sms.test.ts.
import { mailText, withoutQuotesAndSignature } from '../../src/smtp/mail-text';

const mail = (headers: string[], body: string) => Buffer.from([...headers, '', body].join('\r\n'), 'latin1');
const plain = (subject: string, body: string) =>
  mail(['From: app@example.net', 'To: +447400123456@sms.example.com', `Subject: ${subject}`, 'Message-ID: <m1@example.net>', 'Content-Type: text/plain; charset=utf-8'], body);

test.each([
  ['body', 'Code 4821'],
  ['subject', 'Login code'],
  ['subject+body', 'Login code\nCode 4821'],
] as const)('SMSGW_SMTP_TEXT=%s', async (mode, expected) => {
  expect(await mailText(plain('  Login   code ', ' Code\t4821 \r\n\r\n'), mode)).toEqual({ text: expected, messageId: '<m1@example.net>' });
});

test('an empty body in subject+body mode leaves the subject alone; nothing at all is ""', async () => {
  expect((await mailText(plain('Only subject', ''), 'subject+body')).text).toBe('Only subject');
  expect((await mailText(plain('', '  \r\n'), 'body')).text).toBe('');
});

test('the declared charset is decoded (ISO-8859-1 bytes, an RFC 2047 subject)', async () => {
  const raw = mail(['Subject: =?ISO-8859-1?Q?Caf=E9?=', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'], 'Caf\xe9 ouvert');
  expect(await mailText(raw, 'subject+body')).toMatchObject({ text: 'Café\nCafé ouvert' });
});

test('the text/plain part of a multipart/alternative mail wins over its HTML', async () => {
  const raw = mail(
    ['Subject: s', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="b1"'],
    ['--b1', 'Content-Type: text/plain; charset=utf-8', '', 'Plain 4821', '--b1', 'Content-Type: text/html; charset=utf-8', '', '<p>HTML 4821</p>', '--b1--', ''].join('\r\n'),
  );
  expect((await mailText(raw, 'body')).text).toBe('Plain 4821');
});

test('quoted lines with their attribution and everything from the signature separator are dropped', () => {
  expect(withoutQuotesAndSignature('Done.\nOn Mon, Ann wrote:\n>  old\n> older\nStill here\n--\nBob')).toBe('Done.\nStill here');
  // "wrote:" without a quote below is text.
  expect(withoutQuotesAndSignature('He wrote:\nthe code is 1')).toBe('He wrote:\nthe code is 1');
});
