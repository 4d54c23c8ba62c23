import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.ts';

describe('createMetrics', () => {
  it('gives each call its own registry, so two apps can register the same names', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    expect(a.registry).not.toBe(b.registry);
    a.httpRequestsTotal.inc({ method: 'GET', route: '/healthz', status: '200' });
    expect(await b.registry.metrics()).not.toMatch(/http_requests_total\{/);
    expect(await a.registry.metrics()).toMatch(
      /http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/,
    );
  });

  it('includes process metrics by default', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('leaves process metrics out when asked', async () => {
    expect(await createMetrics({ defaultMetrics: false }).registry.metrics()).not.toContain(
      'process_cpu_user_seconds_total',
    );
  });

  it('lets later modules add their own instruments to the same registry', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const handoffs = new Counter({
      name: 'bangban_handoffs_total',
      help: 'Handoffs to a human helper',
      labelNames: ['item'],
      registers: [metrics.registry],
    });
    handoffs.inc({ item: 'device-registration' });
    expect(await metrics.registry.metrics()).toMatch(
      /bangban_handoffs_total\{item="device-registration"\} 1/,
    );
  });

  it('observes durations in seconds into the histogram buckets', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.httpRequestDuration.observe({ method: 'POST', route: '/callbacks/wecom', status: '200' }, 0.042);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.025",method="POST",route="\/callbacks\/wecom",status="200"\} 0/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.05",method="POST",route="\/callbacks\/wecom",status="200"\} 1/,
    );
  });
});
