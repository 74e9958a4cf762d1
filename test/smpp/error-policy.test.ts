import { createErrorPolicy, DEFAULT_ERROR_POLICY, parseStatusKey } from '../../src/smpp/error-policy';

describe('error policy', () => {
  it('classifies by the default table; unlisted statuses are permanent', () => {
    const policy = createErrorPolicy();
    expect(policy.classify(0x58)).toBe('throttle'); // ESME_RTHROTTLED
    expect(policy.classify(0x14)).toBe('throttle'); // ESME_RMSGQFUL
    expect(policy.classify(0x08)).toBe('retry'); // ESME_RSYSERR
    expect(policy.classify(0x64)).toBe('retry'); // ESME_RX_T_APPN
    expect(policy.classify(0x0e)).toBe('bind-refused'); // ESME_RINVPASWD
    expect(policy.classify(0x0b)).toBe('fail'); // ESME_RINVDSTADR
    expect(policy.classify(0x401)).toBe('fail');
    expect(Object.keys(DEFAULT_ERROR_POLICY)).toHaveLength(7);
  });

  it('lays overrides over the defaults, by name or by number', () => {
    const policy = createErrorPolicy({ ESME_RSYSERR: 'fail', '0x0401': 'retry', '1027': 'throttle' });
    expect(policy.classify(0x08)).toBe('fail');
    expect(policy.classify(0x401)).toBe('retry');
    expect(policy.classify(0x403)).toBe('throttle');
    expect(policy.classify(0x58)).toBe('throttle');
  });

  it('rejects unknown status names and classes, naming the entry', () => {
    expect(() => createErrorPolicy({ ESME_NOPE: 'retry' })).toThrow(/"ESME_NOPE"/);
    expect(() => createErrorPolicy({ ESME_RSYSERR: 'later' })).toThrow(/"ESME_RSYSERR": "later"/);
  });

  it('parses status keys', () => {
    expect(parseStatusKey('ESME_RTHROTTLED')).toBe(0x58);
    expect(parseStatusKey('0x58')).toBe(0x58);
    expect(parseStatusKey('88')).toBe(88);
    expect(parseStatusKey('throttled')).toBeUndefined();
  });
});
