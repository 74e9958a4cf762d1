// System test of the gateway's observability, from outside the process: a gateway bound to a
// fake SMSC over loopback runs a fixed traffic plan (traffic-scenario.ts) while a real Prometheus
// scrapes it every second with the shipped alert rules loaded. Then:
// - the scraped counters must equal what the fake SMSC answered and acknowledged;
// - the request and bind logs must carry the fields operations need, and no full number or OTP;
// - the scrape must pass `promtool check metrics`;
// - every dashboard query and variable must be valid PromQL and return data from Prometheus,
//   every rule must evaluate cleanly, and the alerts this traffic deserves must go pending.
// The Prometheus parts are skipped where `prometheus` is not installed (.ci/run installs it); the
// gateway keeps its state in a real redis-server where one is installed (.ci/run installs it too).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DLR_STATS } from '../../src/metrics/dlr-metrics';
import { HTTP_OUTCOMES } from '../../src/metrics/http-metrics';
import { BIND_RESULTS, DISCONNECT_REASONS } from '../../src/metrics/smpp-metrics';
import { SMTP_OUTCOMES } from '../../src/metrics/smtp-metrics';
import { loadDashboard, panelQueries, variableQueries } from '../support/dashboard';
import { parseExposition, seriesOf, valueOf, type Sample } from '../support/exposition';
import { startFakeSmsc } from '../support/fake-smsc';
import { startGateway, type TestGateway } from '../support/gateway';
import { hasRedis, startRedis, type RedisServer } from '../support/redis-server';
import { hasPrometheus, startPrometheus, type PrometheusServer, type RuleState, type Series, withPromtool } from '../support/prometheus';
import { driveTraffic, NUMBERS, PLAN, scriptedSmsc, sendMails, type PostRecord, type SmscTally } from './traffic-scenario';

const JOB = 'smsgw'; // SmsgwDown selects up{job="smsgw"}
const SMSC = 'carrier-a';
const WINDOW = 10;
const RESPONSE_TIMEOUT_MS = 300;
const ALERT_RULES = path.join(__dirname, '../../grafana/prometheus/alerts.yml');

/** Alerts the plan must make pending (SMSC rejections, a timeout and throttling) and ones it must not. */
const EXPECTED_PENDING = ['SmsgwSubmitErrorRatioHigh', 'SmsgwThrottling', 'SmsgwHttpFailuresHigh'];
const EXPECTED_INACTIVE = ['SmsgwDown', 'SmsgwBindDown', 'SmsgwNoSuccessfulSubmit'];

const withPrometheus = hasPrometheus ? test : test.skip;
const dashboard = loadDashboard();

let fake: Awaited<ReturnType<typeof startFakeSmsc>> | undefined;
let gw: TestGateway | undefined;
let redis: RedisServer | undefined;
let prometheus: PrometheusServer | undefined;
let tally: SmscTally;
/** How many submit_sm the SMSC answered with `status` (none is 0). */
const answered = (status: string): number => tally.answers[status] ?? 0;
let posts: PostRecord[];
let mailReplies: string[];
let scrape: string;
let samples: Sample[];
let target: string;
let trafficStart: number;
let trafficEnd: number;

/** Polls `probe` until it returns a value, for at most `timeoutMs`; then fails with `what`. */
async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function instant(expr: string): Promise<Series[]> {
  const answer = await prometheus!.api<{ result: Series[] }>('query', { query: expr });
  if (answer.status !== 'success') throw new Error(`${expr}: ${answer.errorType} ${answer.error}`);
  return answer.data.result;
}

async function scalar(expr: string): Promise<number | undefined> {
  const [series] = await instant(expr);
  return series?.value ? Number(series.value[1]) : undefined;
}

beforeAll(async () => {
  const scripted = scriptedSmsc(RESPONSE_TIMEOUT_MS);
  tally = scripted.tally;
  fake = await startFakeSmsc(scripted.options);
  scripted.watch(fake.smsc);
  // With Redis, as several instances run, so the dashboard's shared-store row has data too.
  redis = hasRedis() ? await startRedis() : undefined;
  gw = await startGateway(fake.url, {
    ...(redis ? { SMSGW_REDIS_URL: redis.url } : {}),
    SMSGW_SMSC_NAME: SMSC,
    SMSGW_SMSC_WINDOW: String(WINDOW),
    SMSGW_SMSC_RESPONSE_TIMEOUT_MS: String(RESPONSE_TIMEOUT_MS),
    // Short keep-alive so the dead-link phase is quick; the timeout leaves room for a loaded machine.
    SMSGW_SMSC_ENQUIRE_LINK_MS: '300',
    SMSGW_SMSC_ENQUIRE_LINK_TIMEOUT_MS: '1000',
    // Not under test here; generous so a loaded machine cannot add a session end to the plan.
    SMSGW_SMSC_CONNECT_TIMEOUT_MS: '5000',
    SMSGW_SMSC_BIND_TIMEOUT_MS: '5000',
    SMSGW_SMTP_PORT: '0',
  });
  target = new URL(gw.gateway.metricsUrl()).host;

  if (hasPrometheus) {
    prometheus = await startPrometheus({ jobName: JOB, targets: [target], ruleFiles: [ALERT_RULES] });
    // Scraping must start before the traffic, so every counter has a sample at 0 for rate().
    await eventually('the first successful scrape', 10_000, async () => {
      const answer = await prometheus!.api<{ activeTargets: { health: string; lastError: string }[] }>('targets');
      return answer.data.activeTargets.some((t) => t.health === 'up') || undefined;
    });
  }

  trafficStart = Date.now() / 1000;
  mailReplies = await sendMails(gw);
  posts = await driveTraffic(gw, fake.smsc, tally, {
    afterFirstRejection: async () => {
      if (prometheus) await eventually('a scrape of the first rejection', 10_000, async () => (await scalar(`sum(smsgw_smpp_submit_sm_total{command_status="ESME_RINVDSTADR"})`)) === 1 || undefined);
    },
  });
  trafficEnd = Date.now() / 1000;
  scrape = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  samples = parseExposition(scrape);

  if (prometheus) {
    const submits = fake.smsc.submits.length;
    const receipts = tally.receiptAcks;
    await eventually('Prometheus to scrape the final counters', 10_000, async () => {
      const seenSubmits = await scalar(`sum(smsgw_smpp_submit_sm_total{job="${JOB}"})`);
      const seenReceipts = await scalar(`sum(smsgw_dlr_received_total{job="${JOB}"})`);
      return (seenSubmits === submits && seenReceipts === receipts) || undefined;
    });
  }
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await gw?.stop();
  await redis?.stop();
  await fake?.smsc.stop();
});

describe('counters match what the fake SMSC saw', () => {
  const value = (name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels);
  const zeroExcept = (labelName: string, all: readonly string[], nonZero: Record<string, number>, extra: Record<string, string> = {}) =>
    Object.fromEntries(
      all.map((v) => [Object.entries({ ...extra, [labelName]: v }).map(([l, x]) => `${l}=${x}`).join(','), nonZero[v] ?? 0]),
    );

  test('the plan ran: rejections, throttling, multipart and a late answer reached the SMSC', () => {
    const submits = fake!.smsc.submits;
    expect(tally.answers.ESME_RINVDSTADR).toBe(3);
    expect(tally.answers.ESME_RTHROTTLED).toBe(2);
    expect(tally.lateAnswers).toBeGreaterThanOrEqual(1);
    expect(Object.values(tally.answers).reduce((a, b) => a + b, 0)).toBe(submits.length);
    expect(submits.filter((s) => s.esmClass & 0x40)).toHaveLength(7); // 2 + 2 + 3 parts carry a UDH
    expect(submits.every((s) => s.registeredDelivery === 1)).toBe(true);
  });

  test('smsgw_smpp_submit_sm_total has one increment per submit_sm, under the status the SMSC answered', () => {
    const late = tally.lateAnswers;
    const expected = zeroExcept(
      'command_status',
      ['ESME_ROK', 'ESME_RTHROTTLED', 'ESME_RMSGQFUL', 'ESME_RINVDSTADR', 'TIMEOUT', 'LOCAL_ERROR'],
      {
        ESME_ROK: answered('ESME_ROK') - late, // answers past the timeout count as TIMEOUT
        ESME_RINVDSTADR: answered('ESME_RINVDSTADR'),
        ESME_RTHROTTLED: answered('ESME_RTHROTTLED'),
        TIMEOUT: late,
      },
      { smsc: SMSC },
    );
    expect(seriesOf(samples, 'smsgw_smpp_submit_sm_total')).toEqual(expected);
    expect(Object.values(expected).reduce((a, b) => a + b, 0)).toBe(fake!.smsc.submits.length);
    expect(value('smsgw_smpp_submit_sm_duration_seconds_count', { smsc: SMSC })).toBe(fake!.smsc.submits.length - late);
    expect(value('smsgw_smpp_late_responses_total', { smsc: SMSC })).toBe(late);
    const lastSuccess = value('smsgw_smpp_last_submit_success_timestamp_seconds', { smsc: SMSC });
    expect(lastSuccess).toBeGreaterThanOrEqual(trafficStart);
    expect(lastSuccess).toBeLessThanOrEqual(trafficEnd);
  });

  test('smsgw_http_requests_total counts every request once, by outcome', () => {
    expect(seriesOf(samples, 'smsgw_http_requests_total')).toEqual(zeroExcept('outcome', HTTP_OUTCOMES, PLAN.httpOutcomes));
    expect(posts).toHaveLength(PLAN.httpRequests);
    expect(posts.filter((p) => p.isSuccess)).toHaveLength(PLAN.httpOutcomes.success);
    expect(value('smsgw_http_request_duration_seconds_count')).toBe(PLAN.httpRequests);
  });

  test('smsgw_smtp_messages_total counts every mail once, by outcome', () => {
    expect(mailReplies.every((reply) => /^250 2\.0\.0 sent \S+$/.test(reply))).toBe(true);
    expect(seriesOf(samples, 'smsgw_smtp_messages_total')).toEqual(zeroExcept('outcome', SMTP_OUTCOMES, { success: PLAN.mails }));
    expect(value('smsgw_smtp_message_duration_seconds_count')).toBe(PLAN.mails);
    expect(value('smsgw_smtp_sessions_total', { result: 'accepted' })).toBe(PLAN.mails); // nodemailer opens one connection per mail
  });

  test('smsgw_message_segments counts the parts of each accepted message', () => {
    const { count, sum, cumulative } = PLAN.segments;
    expect(value('smsgw_message_segments_count')).toBe(count);
    expect(value('smsgw_message_segments_sum')).toBe(sum);
    for (const [le, n] of Object.entries(cumulative)) expect(value('smsgw_message_segments_bucket', { le })).toBe(n);
    expect(value('smsgw_message_segments_bucket', { le: '+Inf' })).toBe(count);
  });

  test('bind attempts, disconnects and enquire_link failures follow the link drop and the dead keep-alive', () => {
    const binds = fake!.smsc.bindAttempts.length;
    expect(binds).toBe(3); // first bind, after the drop, after the enquire_link timeout
    expect(seriesOf(samples, 'smsgw_smpp_bind_attempts_total')).toEqual(zeroExcept('result', BIND_RESULTS, { success: binds }, { smsc: SMSC }));
    expect(seriesOf(samples, 'smsgw_smpp_disconnects_total')).toEqual(
      zeroExcept('reason', DISCONNECT_REASONS, { link_lost: 1, enquire_link_timeout: 1 }, { smsc: SMSC }),
    );
    expect(value('smsgw_smpp_enquire_link_failures_total', { smsc: SMSC })).toBe(1);
    expect(value('smsgw_smpp_bind_up', { smsc: SMSC, session: '0' })).toBe(1);
  });

  test('window and wait-queue gauges are sampled at scrape time', () => {
    expect(value('smsgw_smpp_window_size', { smsc: SMSC })).toBe(WINDOW);
    expect(value('smsgw_smpp_inflight_requests', { smsc: SMSC })).toBe(0);
    expect(value('smsgw_smpp_wait_queue_length', { smsc: SMSC })).toBe(0);
  });

  test('smsgw_dlr_received_total counts every receipt the SMSC had acknowledged, by stat', () => {
    const delivered = answered('ESME_ROK'); // the simulator sends DELIVRD for each accepted part
    expect(seriesOf(samples, 'smsgw_dlr_received_total')).toEqual(
      zeroExcept('stat', DLR_STATS, { DELIVRD: delivered, ...PLAN.extraReceipts }, { smsc: SMSC }),
    );
    expect(tally.receiptAcks).toBe(delivered + PLAN.extraReceipts.UNDELIV);
  });
});

describe('logs', () => {
  const records = () => gw!.logs.records();
  const requestLines = () => records().filter((r) => r.msg === 'exsign request');

  test('one JSON line per request, carrying the X-Message-Id the caller got', () => {
    const lines = requestLines();
    expect(lines).toHaveLength(PLAN.httpRequests);
    const ids = posts.map((p) => p.messageId);
    expect(ids.every((id) => typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id))).toBe(true);
    expect(lines.map((l) => l.messageId).sort()).toEqual([...ids].sort());
  });

  test('request lines name the masked number, segments, encoding, SMSC, status and latency', () => {
    const lines = requestLines();
    const smscIds = new Set(fake!.smsc.submits.map((s) => s.messageId));
    const successes = lines.filter((l) => l.outcome === 'SUCCESS');
    expect(successes).toHaveLength(PLAN.httpOutcomes.success);
    for (const line of successes) {
      expect(line).toMatchObject({ smsc: SMSC, to: expect.stringMatching(/^\+44\*{7}\d{3}$/), latencyMs: expect.any(Number) });
      expect(['gsm7', 'ucs2']).toContain(line.encoding);
      const ids = line.smscMessageIds as string[];
      expect(ids).toHaveLength(line.segments as number);
      for (const id of ids) expect(smscIds).toContain(id);
    }
    expect(successes.filter((l) => l.encoding === 'ucs2').map((l) => l.segments)).toEqual([3]);
    const rejected = lines.filter((l) => l.outcome === 'SMSC_REJECTED');
    const masked = (number: string) => `+44*******${number.slice(-3)}`; // every number here is +44 and 10 national digits
    const maskedRejected = masked(NUMBERS.rejected);
    expect(rejected).toHaveLength(PLAN.httpOutcomes.smsc_rejected);
    for (const line of rejected) {
      expect(line).toMatchObject({ smsc: SMSC, to: maskedRejected, segments: 1, encoding: 'gsm7', error: expect.stringContaining('ESME_RINVDSTADR') });
    }
    expect(lines.find((l) => l.outcome === 'SMSC_TIMEOUT')).toMatchObject({ to: masked(NUMBERS.slow), error: expect.stringContaining('did not answer') });
  });

  test('no log line holds a full number or an OTP code', () => {
    const text = gw!.logs.text;
    for (const number of Object.values(NUMBERS)) expect(text).not.toContain(number.slice(1));
    expect(text).not.toMatch(/code is \d/);
    expect(text).not.toContain('482913');
  });

  test('one line per bind state change, with the reason for every session end', () => {
    const changes = records().filter((r) => typeof r.from === 'string' && typeof r.to === 'string');
    expect(changes.filter((r) => r.to === 'bound')).toHaveLength(fake!.smsc.bindAttempts.length);
    const ends = changes.filter((r) => r.to === 'reconnect-wait');
    expect(ends.map((r) => r.reason)).toEqual(PLAN.closeReasons);
    for (const end of ends) {
      expect(end).toMatchObject({ from: 'bound', smsc: SMSC, session: '0', detail: expect.stringMatching(/next attempt in \d+ ms/) });
      expect(end.msg).toBe(`SMPP bind bound -> reconnect-wait (${end.reason})`);
    }
  });
});

withPromtool('a real scrape of the running gateway passes promtool check metrics', () => {
  // prom-client's nodejs_active_{handles,requests,resources}_total are gauges with a counter's
  // suffix; they come from the library, everything else must be clean.
  const ours = scrape
    .split('\n')
    .filter((line) => !/\bnodejs_active_(handles|requests|resources)_total\b/.test(line))
    .join('\n');
  expect(ours).toContain('smsgw_smpp_submit_sm_total{');
  const result = spawnSync('promtool', ['check', 'metrics'], { input: ours, encoding: 'utf8', timeout: 10_000 });
  expect(`${result.stdout}${result.stderr}`).toBe('');
  expect(result.status).toBe(0);
});

describe('a real Prometheus scraping the gateway', () => {
  // The shared-store row has data only from a gateway configured with Redis.
  const panelCases = panelQueries(dashboard)
    .filter((q) => hasRedis() || !q.expr.includes('smsgw_redis_'))
    .map((q) => [q.where, q] as const);
  const variableCases = variableQueries(dashboard).map((v) => [v.name, v] as const);
  const eachPanel = hasPrometheus ? test.each(panelCases) : test.skip.each(panelCases);
  const eachVariable = hasPrometheus ? test.each(variableCases) : test.skip.each(variableCases);

  withPrometheus('holds the same counter values as the gateway exported', async () => {
    for (const name of ['smsgw_smpp_submit_sm_total', 'smsgw_http_requests_total', 'smsgw_dlr_received_total', 'smsgw_smpp_disconnects_total']) {
      const exported = samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
      expect([name, await scalar(`sum(${name}{job="${JOB}", instance="${target}"})`)]).toEqual([name, exported]);
    }
  });

  eachPanel('%s is valid PromQL and returns data', async (_where, query) => {
    expect(query.expr).not.toContain('$'); // every Grafana macro and variable was substituted
    const answer = await prometheus!.api<{ resultType: string; result: Series[] }>('query_range', {
      query: query.expr,
      start: String(Math.floor(trafficStart) - 5),
      end: String(Math.ceil(Date.now() / 1000)),
      step: '1',
    });
    expect({ status: answer.status, error: answer.error, warnings: answer.warnings }).toEqual({ status: 'success', error: undefined, warnings: undefined });
    expect(answer.data.result.length).toBeGreaterThan(0);
    const finite = answer.data.result.flatMap((s) => s.values ?? []).filter(([, v]) => Number.isFinite(Number(v)));
    expect(finite.length).toBeGreaterThan(0);
  });

  eachVariable('variable %s lists the scraped label values', async (name, variable) => {
    const answer = await prometheus!.api<string[]>(`label/${variable.label}/values`, {
      'match[]': variable.selector,
      start: String(Math.floor(trafficStart) - 5),
      end: String(Math.ceil(Date.now() / 1000)),
    });
    expect(answer.status).toBe('success');
    const expected: Record<string, string[]> = { job: [JOB], instance: [target], smsc: [SMSC] };
    expect(answer.data).toEqual(expected[name] ?? expect.arrayContaining([expect.any(String)]));
  });

  withPrometheus('evaluates every alert rule without errors, and the alerts this traffic deserves go pending', async () => {
    const ruleCount = (readFileSync(ALERT_RULES, 'utf8').match(/^\s*- alert: /gm) ?? []).length;
    const rules = await eventually('every rule evaluated after the traffic, with the expected alert states', 15_000, async () => {
      const answer = await prometheus!.api<{ groups: { rules: RuleState[] }[] }>('rules');
      const all = answer.data.groups.flatMap((g) => g.rules);
      const evaluated = all.every((r) => Date.parse(r.lastEvaluation) / 1000 > trafficEnd);
      const state = (name: string) => all.find((r) => r.name === name)?.state;
      const settled =
        EXPECTED_PENDING.every((name) => state(name) === 'pending' || state(name) === 'firing') &&
        EXPECTED_INACTIVE.every((name) => state(name) === 'inactive');
      if (all.length === ruleCount && evaluated && settled) return all;
      throw new Error(`rules: ${all.map((r) => `${r.name}=${r.state}/${r.health}@${r.lastEvaluation}`).join(', ')}`);
    });
    for (const rule of rules) expect([rule.name, rule.health, rule.lastError ?? '']).toEqual([rule.name, 'ok', '']);
    const pending = rules.filter((r) => EXPECTED_PENDING.includes(r.name)).flatMap((r) => r.alerts ?? []);
    for (const alert of pending) expect(alert.labels).toMatchObject({ job: JOB, instance: target });
    expect(pending.filter((a) => a.labels.smsc === SMSC).map((a) => a.labels.alertname).sort()).toEqual(
      ['SmsgwSubmitErrorRatioHigh', 'SmsgwThrottling'].sort(),
    );
  });
});
