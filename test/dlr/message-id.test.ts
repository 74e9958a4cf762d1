import { idCandidates } from '../../src/dlr/message-id';
import { canonicalId } from '../../src/store/smsc-message-id';

describe('idCandidates', () => {
  it('returns only the trimmed id in exact mode', () => {
    expect(idCandidates(' 0A1 ', 'exact')).toEqual(['0A1']);
  });

  it('returns nothing for a blank id', () => {
    expect(idCandidates('  ', 'auto')).toEqual([]);
  });

  it('tries hex to decimal for a hex receipt id (receipt 3E9 for resp 1001)', () => {
    expect(idCandidates('3E9', 'auto')).toEqual(['3E9', '3e9', '1001']);
  });

  it('tries both bases, hex to decimal first, for an all-decimal id', () => {
    expect(idCandidates('1001', 'auto')).toEqual(['1001', '4097', '3e9']);
  });

  it('puts the zero-stripped form before the conversions', () => {
    expect(idCandidates('0913121205', 'auto')).toEqual(['0913121205', '913121205', '38974657029', '366d1fb5']);
  });

  it('converts ids above 2^63 exactly (jasmin#586)', () => {
    expect(idCandidates('9380935605053030457', 'dec-to-hex')).toEqual(['9380935605053030457', '822fc73b00000039']);
    expect(idCandidates('FFFFFFFFFFFFFFFFFFFF', 'hex-to-dec')).toEqual([
      'FFFFFFFFFFFFFFFFFFFF',
      'ffffffffffffffffffff',
      '1208925819614629174706175',
    ]);
  });

  it('applies only the conversion the mode names', () => {
    expect(idCandidates('1001', 'hex-to-dec')).toEqual(['1001', '4097']);
    expect(idCandidates('1001', 'dec-to-hex')).toEqual(['1001', '3e9']);
    expect(idCandidates('3e9', 'dec-to-hex')).toEqual(['3e9']);
  });

  it('does not convert ids that are not plain numbers', () => {
    expect(idCandidates('6F1C8A2E-3B4D-4E5F-9A0B-1C2D3E4F5A6B', 'auto')).toEqual([
      '6F1C8A2E-3B4D-4E5F-9A0B-1C2D3E4F5A6B',
      '6f1c8a2e-3b4d-4e5f-9a0b-1c2d3e4f5a6b',
    ]);
    expect(idCandidates('S2131052510455', 'auto')).toEqual(['S2131052510455', 's2131052510455']);
  });

  it('does not convert ids longer than an SMPP message_id can be', () => {
    const long = '1'.repeat(65);
    expect(idCandidates(long, 'auto')).toEqual([long]);
  });

  it('lets a decimal receipt id find a hex resp id through canonicalId', () => {
    const stored = canonicalId('0003E9');
    expect(idCandidates('1001', 'auto')).toContain(stored);
  });
});
