import { createTokenCheck } from '../../src/http/token-check';

describe('createTokenCheck', () => {
  const check = createTokenCheck(['915f0bca-cb8a-46d3-ad52-8d71499717ad']);
  const b64 = Buffer.from('915f0bca-cb8a-46d3-ad52-8d71499717ad').toString('base64');

  it('accepts ExSign\'s form, the scheme in any case, and the raw token', () => {
    expect(check(`token ${b64}`)).toBe('ok');
    expect(check(`Token ${b64}`)).toBe('ok');
    expect(check(`TOKEN   ${b64} `)).toBe('ok');
    expect(check('token 915f0bca-cb8a-46d3-ad52-8d71499717ad')).toBe('ok');
    expect(check(b64)).toBe('ok');
  });

  it('tells a missing header from a wrong one', () => {
    expect(check(undefined)).toBe('missing');
    expect(check('  ')).toBe('missing');
    expect(check(`Bearer ${b64}`)).toBe('invalid');
    expect(check(`token ${b64}x`)).toBe('invalid');
    expect(check(`token ${b64.slice(0, -1)}`)).toBe('invalid');
    expect(check('token')).toBe('invalid');
    expect(check(`token ${b64} extra`)).toBe('invalid');
  });

  it('accepts nothing when no token is configured', () => {
    expect(createTokenCheck([''])('token ')).toBe('invalid');
    expect(createTokenCheck([''])('token x')).toBe('invalid');
  });
});
