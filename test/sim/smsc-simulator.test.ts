// The simulator itself, driven through a bind over loopback.
import { SmppBind } from '../../src/smpp/smpp-bind';
import { SmscSimulator } from '../../src/sim/smsc-simulator';
import { bindOptions, reaches, submitFields } from '../support/bind';

describe('SmscSimulator', () => {
  it('keeps only the latest 1,000 submits, however long it runs, and still numbers them all', async () => {
    const counts: number[] = [];
    const smsc = new SmscSimulator({ onSubmit: (_submit, count) => void counts.push(count) });
    const bind = new SmppBind(bindOptions(await smsc.start(), { window: 50, waitQueueSize: 2000 }));
    try {
      bind.start();
      await reaches(bind, 'bound');
      const deadline = Date.now() + 15_000;
      await Promise.all(Array.from({ length: 1005 }, (_, i) => bind.submit(submitFields(String(447400100000 + i)), deadline)));
      expect(counts).toHaveLength(1005);
      expect(counts[1004]).toBe(1005);
      expect(smsc.submits).toHaveLength(1000);
      // Oldest first: the first five are gone.
      const destinations = new Set(smsc.submits.map((s) => s.destinationAddr));
      for (let i = 0; i < 5; i++) expect(destinations.has(String(447400100000 + i))).toBe(false);
      expect(destinations.has(String(447400100000 + 1004))).toBe(true);
    } finally {
      await bind.stop();
      await smsc.stop();
    }
  });
});
